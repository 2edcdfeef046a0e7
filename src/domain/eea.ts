/**
 * The European Economic Area: the 27 EU Member States, Iceland, Liechtenstein and Norway (ISO 3166-1
 * alpha-2). Personal data moves freely within it; a transfer to a country outside it needs an
 * adequacy decision (GDPR Art. 45) or appropriate safeguards (Art. 46), which an access export
 * must name (Art. 15(2)).
 */
export const EEA_COUNTRIES: ReadonlySet<string> = new Set([
  "AT",
  "BE",
  "BG",
  "HR",
  "CY",
  "CZ",
  "DK",
  "EE",
  "FI",
  "FR",
  "DE",
  "GR",
  "HU",
  "IE",
  "IT",
  "LV",
  "LT",
  "LU",
  "MT",
  "NL",
  "PL",
  "PT",
  "RO",
  "SK",
  "SI",
  "ES",
  "SE",
  "IS",
  "LI",
  "NO",
]);

export function isInEea(country: string): boolean {
  return EEA_COUNTRIES.has(country.toUpperCase());
}
