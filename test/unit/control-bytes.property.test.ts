/**
 * hasControlByte (functions/core/input/control-bytes.ts) answers exactly what a byte-by-byte look
 * for a byte below 0x20 answers, for texts that are mostly printable with at most a few control
 * bytes anywhere (inside an eight-word block, in the word tail, in the unaligned head), any
 * alignment of the bytes in memory, and any end.
 */
import fc from 'fast-check';
import { hasControlByte } from '../../functions/core/input/control-bytes';

const naive = (bytes: Uint8Array, end: number) => bytes.subarray(0, end).some((b) => b < 0x20);

describe('hasControlByte', () => {
  it('finds a control byte wherever it is, and none where there is none', () => {
    const printable = fc.integer({ min: 0x20, max: 0xff });
    fc.assert(
      fc.property(
        fc.array(printable, { maxLength: 300, size: 'max' }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 0x1f })), { maxLength: 2 }),
        fc.nat({ max: 7 }),
        fc.nat(),
        (body, controls, pad, cut) => {
          const backing = new Uint8Array(pad + body.length);
          backing.set(body, pad);
          const bytes = backing.subarray(pad);
          for (const [at, c] of controls) if (bytes.length > 0) bytes[at % bytes.length] = c;
          const end = bytes.length === 0 ? 0 : cut % (bytes.length + 1);
          expect(hasControlByte(bytes, end)).toBe(naive(bytes, end));
          expect(hasControlByte(bytes)).toBe(naive(bytes, bytes.length));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('checks every byte of a long text, block by block', () => {
    const bytes = new Uint8Array(1000).fill(0x41);
    expect(hasControlByte(bytes)).toBe(false);
    for (let at = 0; at < bytes.length; at++) {
      bytes[at] = 0x1f;
      expect([at, hasControlByte(bytes)]).toEqual([at, true]);
      expect([at, hasControlByte(bytes, at)]).toEqual([at, false]);
      bytes[at] = 0x80; // and bytes of multi-byte UTF-8 sequences are not control bytes
      expect([at, hasControlByte(bytes)]).toEqual([at, false]);
      bytes[at] = 0x41;
    }
  });
});
