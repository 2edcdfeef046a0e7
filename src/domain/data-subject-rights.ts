/** A right the person has under the GDPR, as their access export states it (Art. 15(1)(e), (f)). */
export interface DataSubjectRight {
  readonly article: string;
  readonly right: string;
  readonly text: string;
}

/**
 * The rights of the data subject, in the order of the Regulation, in words for the person. The
 * access export lists them all (Art. 15(1)(e) names rectification, erasure, restriction and
 * objection; (f) the complaint); the others are there so one document tells the whole of it.
 */
export const DATA_SUBJECT_RIGHTS: readonly DataSubjectRight[] = [
  {
    article: "Art. 7(3)",
    right: "Withdraw consent",
    text: "Where we process your data on your consent, you may withdraw it at any time, as easily as you gave it. Withdrawal does not make the processing before it unlawful.",
  },
  {
    article: "Art. 15",
    right: "Access",
    text: "You may ask whether we process your data, and receive a copy of it with the information in this document.",
  },
  {
    article: "Art. 16",
    right: "Rectification",
    text: "You may have inaccurate data about you corrected without undue delay, and incomplete data completed.",
  },
  {
    article: "Art. 17",
    right: "Erasure",
    text: "You may have your data erased where it is no longer needed, you withdraw the consent it rests on, you object and no overriding grounds remain, or it was processed unlawfully; except where the law requires us to keep it or to defend legal claims (Art. 17(3)).",
  },
  {
    article: "Art. 18",
    right: "Restriction of processing",
    text: "You may have the processing of your data restricted while its accuracy or our grounds are checked, or instead of erasure; we then only store it, unless you consent or the law requires otherwise.",
  },
  {
    article: "Art. 20",
    right: "Data portability",
    text: "Where we process data you provided on your consent or on a contract, by automated means, you may receive it in a structured, commonly used, machine-readable format, and have it sent to another controller where technically feasible.",
  },
  {
    article: "Art. 21",
    right: "Objection",
    text: "You may object at any time to processing based on our legitimate interests or a public task, on grounds relating to your situation; we then stop unless we show compelling legitimate grounds. You may object to direct marketing at any time, and we then stop.",
  },
  {
    article: "Art. 22",
    right: "Not to be subject to automated decisions",
    text: "You may not be made subject to a decision based solely on automated processing, including profiling, that has legal or similarly significant effects on you, save the exceptions of Art. 22(2).",
  },
  {
    article: "Art. 77",
    right: "Lodge a complaint",
    text: "You may lodge a complaint with a supervisory authority, in particular in the Member State where you live, work, or where the infringement took place.",
  },
];
