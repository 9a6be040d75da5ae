// What the subscribe form's limits count by. Counting the exact string is easy to get around: Gmail
// delivers every dot and +tag variant of an address to one mailbox, and one IPv6 customer holds a whole /64.

/** Domains whose mailboxes ignore dots in the local part (and are one another's aliases). */
const DOTLESS_DOMAINS: Record<string, string> = { 'gmail.com': 'gmail.com', 'googlemail.com': 'gmail.com' };

/**
 * The mailbox an address delivers to, as far as can be told without asking its provider: lowercased,
 * without a +tag (sub-addressing, RFC 5233, which most providers honour), and for Gmail without dots.
 */
export function mailboxKey(address: string): string {
  const lower = address.trim().toLowerCase();
  const at = lower.lastIndexOf('@');
  if (at <= 0) return lower;
  const domain = lower.slice(at + 1);
  let local = lower.slice(0, at);
  const plus = local.indexOf('+');
  if (plus > 0) local = local.slice(0, plus);
  const dotless = DOTLESS_DOMAINS[domain];
  return dotless ? `${local.replaceAll('.', '')}@${dotless}` : `${local}@${domain}`;
}

function ipv4Octets(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return undefined;
  const octets = parts.map(Number);
  return octets.every((o) => o <= 255) ? octets : undefined;
}

/** The eight 16-bit groups of an IPv6 address (with `::`, an embedded IPv4 tail or a zone), if it is one. */
function ipv6Groups(text: string): number[] | undefined {
  let rest = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const lastColon = rest.lastIndexOf(':');
  if (lastColon < 0) return undefined;
  if (rest.includes('.')) {
    // An IPv4 tail (::ffff:192.0.2.1) is the last two groups written another way.
    const v4 = ipv4Octets(rest.slice(lastColon + 1));
    if (!v4) return undefined;
    const [a = 0, b = 0, c = 0, d = 0] = v4;
    rest = `${rest.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = rest.split('::');
  if (halves.length > 2) return undefined;
  const parse = (half: string | undefined) =>
    half
      ? half.split(':').map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? Number.parseInt(g, 16) : Number.NaN))
      : [];
  const head = parse(halves[0]);
  const tail = parse(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<number>(missing).fill(0), ...tail];
  return groups.every((g) => Number.isInteger(g)) ? groups : undefined;
}

/**
 * Who counts as one client: an IPv4 address (/32), or the /64 an IPv6 address is in (the smallest block
 * an ISP hands out to one customer). IPv4-mapped IPv6 addresses count as their IPv4 address. Anything
 * else is counted as given.
 */
export function clientKey(address: string): string {
  const v4 = ipv4Octets(address);
  if (v4) return `ipv4:${v4.join('.')}`;
  const groups = ipv6Groups(address);
  if (!groups) return `other:${address}`;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi = 0, lo = 0] = groups.slice(6);
    return `ipv4:${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return `ipv6:${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}
