import { LegalBasisCode } from "./policy-terms";

export interface LegalBasisInfo {
  readonly code: LegalBasisCode;
  readonly article: string;
  readonly name: string;
  readonly description: string;
}

/** GDPR Art. 6(1): the six lawful bases, in the order the article lists them. */
export const LEGAL_BASES: readonly LegalBasisInfo[] = [
  {
    code: LegalBasisCode.CONSENT,
    article: "Art. 6(1)(a)",
    name: "Consent",
    description: "The data subject has given consent to the processing for one or more specific purposes.",
  },
  {
    code: LegalBasisCode.CONTRACT,
    article: "Art. 6(1)(b)",
    name: "Contract",
    description:
      "Processing is necessary for the performance of a contract to which the data subject is party, or to take steps at their request before entering into one.",
  },
  {
    code: LegalBasisCode.LEGAL_OBLIGATION,
    article: "Art. 6(1)(c)",
    name: "Legal obligation",
    description: "Processing is necessary for compliance with a legal obligation to which the controller is subject.",
  },
  {
    code: LegalBasisCode.VITAL_INTERESTS,
    article: "Art. 6(1)(d)",
    name: "Vital interests",
    description: "Processing is necessary to protect the vital interests of the data subject or of another natural person.",
  },
  {
    code: LegalBasisCode.PUBLIC_TASK,
    article: "Art. 6(1)(e)",
    name: "Public task",
    description:
      "Processing is necessary for a task carried out in the public interest or in the exercise of official authority vested in the controller.",
  },
  {
    code: LegalBasisCode.LEGITIMATE_INTERESTS,
    article: "Art. 6(1)(f)",
    name: "Legitimate interests",
    description:
      "Processing is necessary for the legitimate interests of the controller or a third party, unless overridden by the interests or fundamental rights of the data subject.",
  },
];
