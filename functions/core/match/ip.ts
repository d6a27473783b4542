/**
 * IP and CIDR handling on top of ipaddr.js. Strict: only canonical dotted-quad IPv4
 * (no leading zeros, no octal or hex shorthands) and standard IPv6 (without a zone id such as
 * `%eth0`, any embedded dotted quad just as strict) are addresses. Anything else (`AWS Internal`,
 * a service host name, `192.0.2.01`, `a, b`, `fe80::1%eth0`) is not an IP.
 *
 * Containment is defined on ONE 128-bit address space: the IPv4 address a.b.c.d is the IPv6 address
 * ::ffff:a.b.c.d (RFC 4291's IPv4-mapped block, ::ffff:0:0/96), and the IPv4 range x/n is
 * ::ffff:x/(96+n). So an address is inside a range exactly when their first n bits agree, whatever
 * notation either is written in, and containment is monotone: an address inside a range is inside
 * every range containing that range (`::ffff:0:0/96` and `::/0` both hold every IPv4 address, and
 * `0.0.0.0/0` holds no IPv6 one). Ranges that cover a whole family, or both families, are legal but
 * rarely meant: `cidrCoverage` names them so validation can warn.
 */
import ipaddr from 'ipaddr.js';

export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;
export type Cidr = [IpAddress, number];

const IPV4_OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4_STRICT = new RegExp(`^${IPV4_OCTET}(\\.${IPV4_OCTET}){3}$`);
/** `::a.b.c.d` (the deprecated IPv4-compatible form), which ipaddr.js would misread as IPv4-mapped. */
const IPV4_COMPATIBLE = /^::(\d+\.\d+\.\d+\.\d+)$/;

/** No textual IP address is longer (the longest, `0000:…:ffff:255.255.255.255`, has 45 characters). */
const MAX_IP_TEXT = 64;

/** Parses IPv6 text strictly: no zone id, an embedded dotted quad only in canonical form. */
function parseIpv6(text: string): ipaddr.IPv6 | null {
  if (text.includes('%')) return null; // a zone id (fe80::1%eth0): never a CloudTrail source address
  const dot = text.lastIndexOf(':');
  const tail = text.slice(dot + 1);
  if (tail.includes('.') && !IPV4_STRICT.test(tail)) return null;
  const compatible = IPV4_COMPATIBLE.exec(text);
  const normalised = compatible ? `::0:${compatible[1]}` : text;
  if (!ipaddr.IPv6.isValid(normalised)) return null;
  return ipaddr.IPv6.parse(normalised);
}

/** Parses an IP address, or returns null when the value is not exactly one. */
export function parseIp(value: unknown): IpAddress | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_IP_TEXT) return null;
  if (value.includes(':')) {
    const v6 = parseIpv6(value);
    if (!v6) return null;
    // IPv4-mapped IPv6 (::ffff:192.0.2.1) is the IPv4 address it carries.
    return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
  }
  if (!IPV4_STRICT.test(value)) return null;
  return ipaddr.IPv4.parse(value);
}

/**
 * Parses a CIDR (`10.0.0.0/8`, `2001:db8::/32`). A bare address is accepted as a single-host
 * range (/32 or /128), since trusted-network lists often hold single addresses.
 */
export function parseCidr(value: unknown): Cidr | null {
  if (typeof value !== 'string') return null;
  const slash = value.indexOf('/');
  if (slash === -1) {
    const ip = parseIp(value);
    return ip ? [ip, ip.kind() === 'ipv4' ? 32 : 128] : null;
  }
  const base = value.slice(0, slash);
  const bitsText = value.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bitsText)) return null;
  const bits = Number(bitsText);
  if (base.includes(':')) {
    if (base.length > MAX_IP_TEXT || bits > 128) return null;
    const v6 = parseIpv6(base);
    if (!v6) return null;
    // A range inside the IPv4-mapped block (::ffff:0:0/96 and narrower) is the IPv4 range it maps.
    if (v6.isIPv4MappedAddress() && bits >= 96) return [v6.toIPv4Address(), bits - 96];
    return [v6, bits];
  }
  const ip = parseIp(base);
  if (!ip || bits > 32) return null;
  return [ip, bits];
}

/**
 * Whether the address is inside the range, in the one 128-bit address space (see the header).
 * An IPv6 range is compared with an IPv4 address through the address's mapped form; an IPv4 range
 * lies inside the mapped block, so it never holds an IPv6 address (mapped ones are parsed as IPv4).
 */
export function ipInRange(ip: IpAddress, cidr: Cidr): boolean {
  const range = cidr[0];
  if (ip.kind() === range.kind()) return ip.match(cidr);
  // An IPv6 range wider than /96 holds either the whole IPv4-mapped block or none of it.
  if (ip.kind() === 'ipv4' && cidr[1] < 96) return MAPPED_BLOCK.match(cidr);
  return false;
}

/** ::ffff:0:0, the first address of the IPv4-mapped block ::ffff:0:0/96. */
const MAPPED_BLOCK = ipaddr.IPv6.parse('::ffff:0:0');

/**
 * What a range covers when that is a whole address family or crosses families, else null:
 * `every address` (::/0), `every IPv4 address` (0.0.0.0/0, ::ffff:0:0/96), or `every IPv4 address
 * and IPv6 addresses` (an IPv6 range wider than /96 that contains the IPv4-mapped block).
 */
export function cidrCoverage(cidr: Cidr): 'every address' | 'every IPv4 address' | 'every IPv4 address and IPv6 addresses' | null {
  const [range, bits] = cidr;
  if (range.kind() === 'ipv4') return bits === 0 ? 'every IPv4 address' : null;
  if (bits === 0) return 'every address';
  return MAPPED_BLOCK.match(cidr) ? 'every IPv4 address and IPv6 addresses' : null;
}

/** Parses one CIDR or an array of them; null when any entry is invalid. */
export function parseCidrList(value: unknown): Cidr[] | null {
  const items = Array.isArray(value) ? value : [value];
  const out: Cidr[] = [];
  for (const item of items) {
    const cidr = parseCidr(item);
    if (!cidr) return null;
    out.push(cidr);
  }
  return out;
}
