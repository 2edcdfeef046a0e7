import ipaddr from "ipaddr.js";

/**
 * How a category's value is anonymised when a purpose's retention ends with ANONYMISE (the notice:
 * data "may be irreversibly anonymised"). Anonymising is not editing the row: the value leaves the
 * subject's record, and only a generalisation of it is counted in `anonymous_statistic`, one
 * (category, value) count with no subject id, no time and no link to any other category — so no
 * two generalised facts of one person can be put back together. A category with no entry here has
 * no generalisation that identifies nobody, and is deleted instead.
 */
export interface Anonymiser {
  /** What is kept, in words for the README and the records of processing. */
  readonly keeps: string;
  /** The generalised value, or null when the stored value cannot be generalised (it is then only deleted). */
  generalise(value: string): string | null;
}

const keepAsCounted = (keeps: string): Anonymiser => ({ keeps, generalise: (value) => value.trim() || null });

export const ANONYMISERS: Readonly<Record<string, Anonymiser>> = {
  "user.demographic.date_of_birth": {
    keeps: "the decade of birth (1987-05-03 → 1980s)",
    generalise: (value) => (/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value.slice(0, 3)}0s` : null),
  },
  "user.device.ip_address": {
    keeps: "the network prefix: /24 of an IPv4 address, /48 of an IPv6 address (192.0.2.77 → 192.0.2.0/24)",
    generalise: networkPrefix,
  },
  "user.location.coarse": keepAsCounted("the country, counted"),
  "user.device.browser": keepAsCounted("the browser, counted"),
  "user.device.operating_system": keepAsCounted("the operating system, counted"),
  "user.device.device_info": keepAsCounted("the device, counted"),
};

export function anonymiserOf(category: string): Anonymiser | undefined {
  return ANONYMISERS[category];
}

function networkPrefix(value: string): string | null {
  if (!ipaddr.isValid(value)) return null;
  const address = ipaddr.process(value);
  const bits = address.kind() === "ipv4" ? 24 : 48;
  const network =
    address.kind() === "ipv4"
      ? ipaddr.IPv4.networkAddressFromCIDR(`${address.toString()}/${bits}`)
      : ipaddr.IPv6.networkAddressFromCIDR(`${address.toString()}/${bits}`);
  return `${network.toString()}/${bits}`;
}
