/**
 * IP and CIDR handling on top of ipaddr.js. Strict: only canonical dotted-quad IPv4
 * (no leading zeros, no octal or hex shorthands) and standard IPv6 are addresses.
 * Anything else (`AWS Internal`, a service host name, `192.0.2.01`, `a, b`) is not an IP.
 */
import ipaddr from 'ipaddr.js';

export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;
export type Cidr = [IpAddress, number];

const IPV4_STRICT = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Parses an IP address, or returns null when the value is not exactly one. */
export function parseIp(value: unknown): IpAddress | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 64) return null;
  if (value.includes(':')) {
    if (!ipaddr.IPv6.isValid(value)) return null;
    const v6 = ipaddr.IPv6.parse(value);
    // Treat IPv4-mapped IPv6 (::ffff:192.0.2.1) as the IPv4 address it carries.
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
    if (!ipaddr.IPv6.isValid(base) || bits > 128) return null;
    const v6 = ipaddr.IPv6.parse(base);
    // An IPv4-mapped range (::ffff:0:0/96 and narrower) is the IPv4 range it maps, since parseIp
    // turns mapped addresses into IPv4 ones.
    if (v6.isIPv4MappedAddress() && bits >= 96) return [v6.toIPv4Address(), bits - 96];
    return [v6, bits];
  }
  const ip = parseIp(base);
  if (!ip || bits > 32) return null;
  return [ip, bits];
}

export function ipInRange(ip: IpAddress, cidr: Cidr): boolean {
  return ip.kind() === cidr[0].kind() && ip.match(cidr);
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
