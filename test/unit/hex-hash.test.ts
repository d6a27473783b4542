/** hexHash (functions/core/common/hex-hash.ts): the SHA-256 prefix ids and keys are stored under, on every Node. */
import { createHash } from 'node:crypto';
import { hexHash } from '../../functions/core/common/hex-hash';

describe('hexHash', () => {
  it('is the hex SHA-256 of the UTF-8 text, cut to the length asked for', () => {
    for (const text of ['', 'a', '["mass-face-enrolment","6f1c2a9e-0d4b-4c1e-9a55-3b7f0e8d2c11"]', 'façade – 顔 🙂', '\u0000\ud800']) {
      const full = createHash('sha256').update(text).digest('hex');
      for (const n of [1, 24, 32, 64]) expect(hexHash(text, n)).toBe(full.slice(0, n));
    }
    // A known digest, so a change of algorithm or encoding cannot pass unnoticed.
    expect(hexHash('abc', 64)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
