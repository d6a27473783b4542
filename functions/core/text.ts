/** Small pure helpers for text that ends up in alerts. */

/** One line: control characters and line breaks become spaces, runs of spaces collapse, ends trimmed. */
export function oneLine(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/\s{2,}/g, ' ').trim();
}

/** Cuts a string to at most `max` characters (code points), marking the cut with an ellipsis. */
export function truncate(value: string, max: number): string {
  const chars = Array.from(value);
  if (chars.length <= max) return value;
  return `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** The short form of an ARN for titles: `assumed-role/Admin/JorgeSouza` for an STS session ARN. */
export function shortArn(arn: string): string {
  if (!arn.startsWith('arn:')) return arn;
  const parts = arn.split(':');
  if (parts.length < 6) return arn;
  const resource = parts.slice(5).join(':');
  return resource === 'root' ? `root (${parts[4]})` : resource;
}
