/**
 * Whether UTF-8 bytes hold a control character (U+0000 to U+001F), read four bytes at a time: in
 * UTF-8 only the bytes below 0x20 encode those (every byte of a multi-byte sequence is 0x80 or
 * above, and a decoder never merges an ASCII byte into one), so a text decoded from bytes with no
 * such byte has no such character. Twice as fast as a regular expression over the decoded text,
 * which is what raw-document.ts needs to know before it trusts that strings are free of them.
 */

/** Whether bytes[0, end) has a byte below 0x20. */
export function hasControlByte(bytes: Uint8Array, end = bytes.length): boolean {
  let i = 0;
  // One at a time up to a 4-byte boundary of the underlying memory, then whole words.
  while (i < end && (bytes.byteOffset + i) % 4 !== 0) {
    if ((bytes[i] as number) < 0x20) return true;
    i++;
  }
  const words = (end - i) >>> 2;
  if (words > 0) {
    const w = new Uint32Array(bytes.buffer, bytes.byteOffset + i, words);
    // A word has a byte below n (n <= 128) exactly when (x - n*0x01010101) & ~x & 0x80808080 is not 0;
    // eight words are tested at once by OR-ing their (x - n*0x01010101) & ~x (twice as fast).
    let k = 0;
    for (const last = words - 8; k <= last; k += 8) {
      const x0 = w[k] as number;
      const x1 = w[k + 1] as number;
      const x2 = w[k + 2] as number;
      const x3 = w[k + 3] as number;
      const x4 = w[k + 4] as number;
      const x5 = w[k + 5] as number;
      const x6 = w[k + 6] as number;
      const x7 = w[k + 7] as number;
      const any =
        ((x0 - 0x20202020) & ~x0) | ((x1 - 0x20202020) & ~x1) | ((x2 - 0x20202020) & ~x2) | ((x3 - 0x20202020) & ~x3) |
        ((x4 - 0x20202020) & ~x4) | ((x5 - 0x20202020) & ~x5) | ((x6 - 0x20202020) & ~x6) | ((x7 - 0x20202020) & ~x7);
      if ((any & 0x80808080) !== 0) return true;
    }
    for (; k < words; k++) {
      const x = w[k] as number;
      if (((x - 0x20202020) & ~x & 0x80808080) !== 0) return true;
    }
    i += words * 4;
  }
  for (; i < end; i++) if ((bytes[i] as number) < 0x20) return true;
  return false;
}

/** Whether a character code (or byte) is JSON whitespace: space, tab, LF, CR. */
export const isJsonSpace = (c: number | undefined): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/** The length of `bytes` without the JSON whitespace at its end. */
export function withoutTrailingSpace(bytes: Uint8Array): number {
  let end = bytes.length;
  for (let c = bytes[end - 1]; end > 0 && isJsonSpace(c); c = bytes[--end - 1]);
  return end;
}
