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
    // A word has a byte below n (n <= 128) exactly when (x - n*0x01010101) & ~x & 0x80808080 is not 0.
    for (let k = 0; k < words; k++) {
      const x = w[k] as number;
      if (((x - 0x20202020) & ~x & 0x80808080) !== 0) return true;
    }
    i += words * 4;
  }
  for (; i < end; i++) if ((bytes[i] as number) < 0x20) return true;
  return false;
}

/** The length of `bytes` without the JSON whitespace (space, tab, LF, CR) at its end. */
export function withoutTrailingSpace(bytes: Uint8Array): number {
  let end = bytes.length;
  for (let c = bytes[end - 1]; end > 0 && (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d); c = bytes[--end - 1]);
  return end;
}
