/**
 * What a backtest worker posts for its input: stage 1 of the record pipeline (`evaluateValue`) for
 * each record, in input order, compact enough that the main thread's share (stage 2, `settle`) stays
 * small. Plain data with typed arrays, so posting it costs little.
 *
 * Per item, `kinds` says what it is; the other arrays are consumed in order:
 *   OUT_OF_SCOPE  a record no rule can see (counted only)
 *   QUIET         an in-scope record with no alert and no rule error: its delivery key in `keys`
 *   FOUND         an in-scope record with alerts, rule errors or threshold selections (detect/selection.ts,
 *                 applied by the main thread's detect stage): its key in `keys`, the rest in `found`
 *   OTHER         anything else the reader said, in `others` (the file, bytes, unreadable, malformed:
 *                 a value stage 1 calls malformed is one too, with the same note and the same count)
 */
import type { Evaluated } from '../../core/pipeline/record-pipeline';
import type { TrailItem } from '../trail-reader';

export const OUT_OF_SCOPE = 0;
export const QUIET = 1;
export const FOUND = 2;
export const OTHER = 3;

export type Found = Extract<Evaluated, { status: 'inScope' }> & { where: string };

export interface EvaluatedChunk {
  file: string;
  kinds: Uint8Array;
  keys: string[];
  found: Found[];
  others: Exclude<TrailItem, { kind: 'value' }>[];
}

/** Builds chunks of at most `size` items. */
export class ChunkBuilder {
  private kinds: Uint8Array;
  private n = 0;
  private keys: string[] = [];
  private found: Found[] = [];
  private others: EvaluatedChunk['others'] = [];

  constructor(private readonly file: string, private readonly size = 2048) {
    this.kinds = new Uint8Array(size);
  }

  get full(): boolean {
    return this.n >= this.size;
  }

  get empty(): boolean {
    return this.n === 0;
  }

  /**
   * One value's stage 1 result, at `where` (or `where(at)`: a position is only built for the
   * results that keep it, malformed values and those with alerts or rule errors).
   */
  value(e: Evaluated, file: string, where: string): void;
  value(e: Evaluated, file: string, where: (at: number) => string, at: number): void;
  value(e: Evaluated, file: string, where: string | ((at: number) => string), at = 0): void {
    if (e.status === 'outOfScope') {
      this.kinds[this.n++] = OUT_OF_SCOPE;
    } else if (e.status === 'malformed') {
      this.other({ kind: 'malformed', file, where: typeof where === 'string' ? where : where(at), reason: e.reason });
    } else {
      this.keys.push(e.key);
      if (e.alerts.length === 0 && e.errors.length === 0 && !e.selections) {
        this.kinds[this.n++] = QUIET;
      } else {
        this.kinds[this.n++] = FOUND;
        this.found.push({ ...e, where: typeof where === 'string' ? where : where(at) });
      }
    }
  }

  other(item: Exclude<TrailItem, { kind: 'value' }>): void {
    this.kinds[this.n++] = OTHER;
    this.others.push(item);
  }

  /** The chunk so far, and a fresh start. */
  take(): EvaluatedChunk {
    const chunk: EvaluatedChunk = { file: this.file, kinds: this.kinds.subarray(0, this.n), keys: this.keys, found: this.found, others: this.others };
    this.kinds = new Uint8Array(this.size);
    this.n = 0;
    this.keys = [];
    this.found = [];
    this.others = [];
    return chunk;
  }
}

/** The chunk's items again, as stage 1 results or reader items, in input order. */
export function* chunkItems(chunk: EvaluatedChunk): Generator<{ evaluated: Evaluated; where: string } | { item: EvaluatedChunk['others'][number] }> {
  let k = 0;
  let f = 0;
  let o = 0;
  const outOfScope = { evaluated: { status: 'outOfScope' } as Evaluated, where: '' };
  for (let i = 0; i < chunk.kinds.length; i++) {
    switch (chunk.kinds[i]) {
      case OUT_OF_SCOPE:
        yield outOfScope;
        break;
      case QUIET:
        yield { evaluated: { status: 'inScope', key: chunk.keys[k++] as string, errors: [], alerts: [] }, where: '' };
        break;
      case FOUND: {
        const { where, ...evaluated } = chunk.found[f++] as Found;
        k++;
        yield { evaluated, where };
        break;
      }
      default:
        yield { item: chunk.others[o++] as EvaluatedChunk['others'][number] };
    }
  }
}
