/**
 * What a backtest worker posts for its input: stage 1 of the record pipeline (`evaluateValue`) for
 * each record, in input order, compact enough that the main thread's share (stage 2, `settle`) stays
 * small. Plain data with typed arrays, so posting it costs little.
 *
 * Per item, `kinds` says what it is; the other arrays are consumed in order:
 *   OUT_OF_SCOPE  a record no rule can see (counted only)
 *   QUIET         an in-scope record with no alert and no rule error: its delivery key's hash (the
 *                 duplicate window's, input/duplicate-window.ts `hashKey`) in `hashes`, two numbers
 *                 per record, so the key itself never crosses threads
 *   FOUND         an in-scope record with alerts, rule errors or threshold selections (detect/selection.ts,
 *                 applied by the main thread's detect stage): in `found`, its key among the rest.
 *                 A selection's alert is built only when it fires (lazyAlert): when the worker has
 *                 the record's JSON text, it posts the selections without their alerts, and the text
 *                 as UTF-8 in `texts` (`textAt` says where), and the main thread builds an alert
 *                 from the text if one is ever read (`foundItem`). Bytes in one buffer per chunk,
 *                 not a string per record: a selection waits in the detect stage's reorder buffer
 *                 for the lateness bound, and text held there as strings was most of what the main
 *                 thread's scavenges copied.
 *   OTHER         anything else the reader said, in `others` (the file, bytes, unreadable, malformed:
 *                 a value stage 1 calls malformed is one too, with the same note and the same count)
 */
import type { Evaluated } from '../../core/pipeline/record-pipeline';
import { alertBuilt, lazyAlert, withoutAlert, type Selection, type SelectionData } from '../../core/detect/selection';
import type { Alert } from '../../core/common/types';
import { hashKey } from '../../core/input/duplicate-window';
import type { TrailItem } from '../trail-reader';

export const OUT_OF_SCOPE = 0;
export const QUIET = 1;
export const FOUND = 2;
export const OTHER = 3;

type InScope = Extract<Evaluated, { status: 'inScope' }>;

/** A FOUND item as posted: selections may lack their alert, and then `text` is the record's JSON text. */
export type Found = Omit<InScope, 'selections'> & { where: string; selections?: ReadonlyArray<Selection | SelectionData>; textAt?: readonly [start: number, end: number] };

/** Builds the alert of a selection of a rule from the record's JSON text (Evaluator.selectionAlert). */
export type AlertFromText = (ruleId: string, text: string) => Alert;

export interface EvaluatedChunk {
  file: string;
  kinds: Uint8Array;
  /** The QUIET records' key hashes, two numbers each, in order. */
  hashes: Int32Array;
  found: Found[];
  others: Exclude<TrailItem, { kind: 'value' }>[];
  /** The texts of FOUND records posted without their selections' alerts, UTF-8, at their `textAt`. */
  texts?: Uint8Array;
}

/** Builds chunks of at most `size` items. */
export class ChunkBuilder {
  private kinds: Uint8Array;
  private n = 0;
  private hashes: Int32Array;
  private h = 0;
  private found: Found[] = [];
  private others: EvaluatedChunk['others'] = [];
  /** Allocated when a chunk first needs it (most hold no text), then kept for the builder's later chunks. */
  private texts: Buffer | undefined;
  private t = 0;

  constructor(private readonly file: string, private readonly size = 2048) {
    this.kinds = new Uint8Array(size);
    this.hashes = new Int32Array(size * 2);
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
  value(e: Evaluated, file: string, where: (at: number) => string, at: number, text?: string): void;
  value(e: Evaluated, file: string, where: string | ((at: number) => string), at = 0, text?: string): void {
    if (e.status === 'outOfScope') {
      this.kinds[this.n++] = OUT_OF_SCOPE;
    } else if (e.status === 'malformed') {
      this.other({ kind: 'malformed', file, where: typeof where === 'string' ? where : where(at), reason: e.reason });
    } else {
      if (e.alerts.length === 0 && e.errors.length === 0 && !e.selections) {
        this.kinds[this.n++] = QUIET;
        hashKey(e.key, this.hashes, this.h);
        this.h += 2;
      } else {
        this.kinds[this.n++] = FOUND;
        const found: Found = { ...e, where: typeof where === 'string' ? where : where(at) };
        if (e.selections) {
          if (text !== undefined && e.selections.some((s) => !alertBuilt(s))) {
            found.selections = e.selections.map((s) => (alertBuilt(s) ? s : withoutAlert(s)));
            found.textAt = this.text(text);
          } else {
            // No text to build it from later: the alert goes with the selection (spreading builds it).
            found.selections = e.selections.map((s) => ({ ...s }));
          }
        }
        this.found.push(found);
      }
    }
  }

  /** A QUIET record given by its delivery key's hash (duplicate-window.ts `hashKey`, two halves). */
  quietHash(h: number, l: number): void {
    this.kinds[this.n++] = QUIET;
    this.hashes[this.h++] = h;
    this.hashes[this.h++] = l;
  }

  other(item: Exclude<TrailItem, { kind: 'value' }>): void {
    this.kinds[this.n++] = OTHER;
    this.others.push(item);
  }

  /** Appends a record's text to `texts`; where it went. */
  private text(text: string): [number, number] {
    // UTF-8 takes at most three bytes per UTF-16 code unit.
    const need = this.t + text.length * 3;
    if (!this.texts || this.texts.length < need) {
      const grown = Buffer.allocUnsafeSlow(Math.max(need, 64 * 1024, (this.texts?.length ?? 0) * 2));
      if (this.texts) this.texts.copy(grown, 0, 0, this.t);
      this.texts = grown;
    }
    const start = this.t;
    this.t += this.texts.write(text, start, 'utf8');
    return [start, this.t];
  }

  /**
   * The chunk so far, and a fresh start. Its arrays are exact copies: a chunk is posted by copy
   * (worker.ts), and posting a view copies its whole buffer; the builder keeps its own for the next.
   */
  take(): EvaluatedChunk {
    const texts = this.texts ? new Uint8Array(this.texts.buffer, this.texts.byteOffset, this.t).slice() : new Uint8Array(0);
    const chunk: EvaluatedChunk = { file: this.file, kinds: this.kinds.slice(0, this.n), hashes: this.hashes.slice(0, this.h), found: this.found, others: this.others, texts };
    this.t = 0;
    this.n = 0;
    this.h = 0;
    this.found = [];
    this.others = [];
    return chunk;
  }
}

/**
 * A posted FOUND item as a stage 1 result again, each selection with its alert (built from the
 * record's text by `alertFor` when first read, if the worker posted it without one).
 */
export function foundItem(found: Found, alertFor: AlertFromText, texts?: Uint8Array): { evaluated: InScope; where: string } {
  const { where, textAt, selections, ...rest } = found;
  if (!selections) return { evaluated: rest, where };
  const text = () => {
    if (!texts || !textAt) throw new Error('foundItem: a selection without its alert and no text to build it from');
    return Buffer.from(texts.buffer, texts.byteOffset + textAt[0], textAt[1] - textAt[0]).toString('utf8');
  };
  const full = selections.map((s): Selection => ('alert' in s ? s : lazyAlert({ ...s }, () => alertFor(s.ruleId, text()))));
  return { evaluated: { ...rest, selections: full }, where };
}

/**
 * The chunk's items again, as stage 1 results or reader items, in input order. A QUIET record's
 * key is given as its hash (`#` and the two halves in hex): its key did not cross threads.
 */
export function* chunkItems(chunk: EvaluatedChunk, alertFor: AlertFromText): Generator<{ evaluated: Evaluated; where: string } | { item: EvaluatedChunk['others'][number] }> {
  let k = 0;
  let f = 0;
  let o = 0;
  const hex = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
  const outOfScope = { evaluated: { status: 'outOfScope' } as Evaluated, where: '' };
  for (let i = 0; i < chunk.kinds.length; i++) {
    switch (chunk.kinds[i]) {
      case OUT_OF_SCOPE:
        yield outOfScope;
        break;
      case QUIET:
        yield { evaluated: { status: 'inScope', key: `#${hex(chunk.hashes[k] as number)}${hex(chunk.hashes[k + 1] as number)}`, errors: [], alerts: [] }, where: '' };
        k += 2;
        break;
      case FOUND:
        yield foundItem(chunk.found[f++] as Found, alertFor, chunk.texts);
        break;
      default:
        yield { item: chunk.others[o++] as EvaluatedChunk['others'][number] };
    }
  }
}
