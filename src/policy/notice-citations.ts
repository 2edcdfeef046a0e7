/**
 * Every purpose cites the sentence of the notice it comes from (docs/policy.md): the comment above
 * it in the policy file says `Notice: "…"`, quoting the notice, or `Notice: added: …` where the
 * notice is silent and the purpose is the controller's own addition. A quotation must be found in
 * the notice's text; `…` and `[…]` mark what was left out or added for sense. Pure.
 */
export interface CitationProblem {
  readonly message: string;
}

/** What is wrong with the citation in `comment` against `notice`, or undefined when it holds. */
export function citationProblem(comment: string | undefined, notice: string): CitationProblem | undefined {
  const citation = /Notice:\s*([\s\S]*)/.exec(comment ?? "")?.[1]?.trim();
  if (!citation)
    return { message: 'cites no sentence of the notice: add a comment `# Notice: "<the notice\'s words>"`, or `# Notice: added: <why>`' };
  if (/^added\b/i.test(citation)) return undefined;
  const quotations = [...citation.matchAll(/"([^"]+)"/g)].map((match) => match[1] as string);
  if (quotations.length === 0) return { message: 'cites the notice without quoting it: quote its words in "…", or say `added:`' };
  const text = normalise(notice);
  const missing = quotations.flatMap((quotation) => fragmentsOf(quotation).filter((fragment) => !text.includes(normalise(fragment))));
  return missing.length === 0
    ? undefined
    : { message: `quotes words the notice does not hold: ${missing.map((fragment) => `"${fragment}"`).join(", ")}` };
}

/** The parts of a quotation that must appear verbatim: split where `…` or `[…]` marks an omission or an insertion. */
function fragmentsOf(quotation: string): string[] {
  return quotation
    .split(/\[[^\]]*\]|…|\.\.\./)
    .map((fragment) => fragment.trim())
    .filter((fragment) => fragment.length > 0);
}

function normalise(text: string): string {
  return text.replace(/\s+/g, " ").toLocaleLowerCase("lv");
}
