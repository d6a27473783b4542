/**
 * Reading an ASCII document's bytes as its text (raw-ascii.ts): for bytes below 0x80 a byte is the
 * character with that code, so positions, comparisons and slices of the bytes are those of the text.
 */

/** Whether `b[at, at + s.length)` holds the characters of `s` (false for any character not ASCII). */
export function bytesAre(b: Uint8Array, at: number, s: string): boolean {
  if (at < 0 || at + s.length > b.length) return false;
  for (let i = 0; i < s.length; i++) if (b[at + i] !== s.charCodeAt(i)) return false;
  return true;
}

/** The text of ASCII bytes `b[start, end)`. */
export function asciiText(b: Buffer, start: number, end: number): string {
  return b.toString('latin1', start, end);
}
