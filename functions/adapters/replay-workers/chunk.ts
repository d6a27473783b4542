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
 *   SELECTED      a FOUND record that has only threshold selections (no alert, no rule error), each
 *                 with its alert unbuilt, posted without objects: its delivery key's hash in `hashes`
 *                 (as QUIET: stage 2 of such a record is the duplicate window and nothing else), its
 *                 text in `texts`, and per selection three numbers in `selected` and one string in
 *                 `selectedText` (`selectedItem` reads them back). Most selections of a threshold rule
 *                 never fire; posted as objects, every one was cloned into the main thread's heap and
 *                 waited there for the lateness bound, and that cloning and garbage was most of what a
 *                 threshold rule over a busy API cost a replay.
 */
import type { Evaluated } from '../../core/pipeline/record-pipeline';
import { alertBuilt, DISTINCT_DIGITS, ID_DIGITS, KEY_DIGITS, lazyAlert, withoutAlert, type AlertSource, type Selection, type SelectionData } from '../../core/detect/selection';
import type { Alert } from '../../core/common/types';
import { hashKey } from '../../core/input/duplicate-window';
import type { TrailItem } from '../trail-reader';

export const OUT_OF_SCOPE = 0;
export const QUIET = 1;
export const FOUND = 2;
export const OTHER = 3;
export const SELECTED = 4;

type InScope = Extract<Evaluated, { status: 'inScope' }>;

/** A FOUND item as posted: selections may lack their alert, and then `text` is the record's JSON text. */
export type Found = Omit<InScope, 'selections'> & { where: string; selections?: ReadonlyArray<Selection | SelectionData>; textAt?: readonly [start: number, end: number] };

/** Builds the alert of a selection of a rule from the record's JSON text (Evaluator.selectionAlert). */
export type AlertFromText = (ruleId: string, text: string) => Alert;

export interface EvaluatedChunk {
  file: string;
  kinds: Uint8Array;
  /** The QUIET and SELECTED records' delivery key hashes, two numbers each, in order. */
  hashes: Int32Array;
  found: Found[];
  others: Exclude<TrailItem, { kind: 'value' }>[];
  /** The texts of FOUND records posted without their selections' alerts, UTF-8, at their `textAt`, and of SELECTED records. */
  texts?: Uint8Array;
  /**
   * SELECTED records' numbers, in order: per record its text's start and end in `texts` and its
   * number of selections, then per selection the rule's index in the pack, the event time, and 1
   * when it has a distinct value (else 0).
   */
  selected?: Float64Array;
  /** Per selection of a SELECTED record: its key, id and distinct value (fixed widths), then its keyValues as JSON. */
  selectedText?: string[];
}

/** A record's text in a chunk's `texts`, from its start and end. */
function textIn(texts: Uint8Array, start: number, end: number): string {
  return Buffer.from(texts.buffer, texts.byteOffset + start, end - start).toString('utf8');
}

/** A SELECTED record's text in its chunk, decoded once when one of its selections' alerts is first read. */
class RecordText implements AlertSource {
  private text: string | undefined;

  constructor(
    private readonly texts: Uint8Array,
    private readonly start: number,
    private readonly end: number,
    private readonly alertFor: AlertFromText,
  ) {}

  alertOf(selection: SelectionData): Alert {
    return this.alertFor(selection.ruleId, (this.text ??= textIn(this.texts, this.start, this.end)));
  }
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

  private selected = new Float64Array(256);
  private sn = 0;
  private selectedText: string[] = [];

  /**
   * `ruleIndex`: the rules' positions in the pack the main thread reads SELECTED items with
   * (`selectedItem`'s `ruleIds`); without it every record with selections is posted as FOUND.
   */
  constructor(private readonly file: string, private readonly size = 2048, private readonly ruleIndex?: ReadonlyMap<string, number>) {
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
        const selections = e.selections;
        if (text !== undefined && selections && e.alerts.length === 0 && e.errors.length === 0 && this.selectable(selections)) {
          this.select(e.key, selections, text);
          return;
        }
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

  /**
   * Whether a record's selections can go as SELECTED: every alert unbuilt (built later from the text),
   * every rule in the index, hashes of their usual widths, and keyValues that JSON gives back exactly
   * (strings and nulls: what `by` facts almost always are). Otherwise the record goes as FOUND.
   */
  private selectable(selections: readonly Selection[]): boolean {
    const index = this.ruleIndex;
    if (!index) return false;
    for (const s of selections) {
      if (alertBuilt(s) || !index.has(s.ruleId) || s.key.length !== KEY_DIGITS || s.id.length !== ID_DIGITS) return false;
      if (s.distinct !== undefined && s.distinct.length !== DISTINCT_DIGITS) return false;
      for (const name in s.keyValues) {
        const v = s.keyValues[name];
        if (v !== null && typeof v !== 'string') return false;
      }
    }
    return true;
  }

  private select(key: string, selections: readonly Selection[], text: string): void {
    this.kinds[this.n++] = SELECTED;
    hashKey(key, this.hashes, this.h);
    this.h += 2;
    const need = this.sn + 3 + 3 * selections.length;
    if (need > this.selected.length) {
      const grown = new Float64Array(Math.max(need, this.selected.length * 2));
      grown.set(this.selected.subarray(0, this.sn));
      this.selected = grown;
    }
    const [start, end] = this.text(text);
    const n = this.selected;
    n[this.sn++] = start;
    n[this.sn++] = end;
    n[this.sn++] = selections.length;
    for (const s of selections) {
      n[this.sn++] = this.ruleIndex?.get(s.ruleId) as number;
      n[this.sn++] = s.eventTime;
      n[this.sn++] = s.distinct === undefined ? 0 : 1;
      // Read field by field: reading the alert would build it.
      this.selectedText.push(s.key + s.id + (s.distinct ?? '') + JSON.stringify(s.keyValues));
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
    if (this.sn > 0) {
      chunk.selected = this.selected.slice(0, this.sn);
      chunk.selectedText = this.selectedText;
      this.sn = 0;
      this.selectedText = [];
    }
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
    return textIn(texts, textAt[0], textAt[1]);
  };
  const full = selections.map((s): Selection => ('alert' in s ? s : lazyAlert({ ...s }, () => alertFor(s.ruleId, text()))));
  return { evaluated: { ...rest, selections: full }, where };
}

/** Where the next SELECTED item's data starts in a chunk's `selected` and `selectedText` (advanced by `selectedItem`). */
export interface SelectedCursor {
  n: number;
  s: number;
}

/**
 * A SELECTED item's selections, as the worker's stage 1 gave them (each alert built from the
 * record's text by `alertFor` when first read); `ruleIds`: the pack's rule ids in the order the
 * worker's ChunkBuilder indexed them. Advances `at` past the item.
 */
export function selectedItem(chunk: EvaluatedChunk, at: SelectedCursor, ruleIds: readonly string[], alertFor: AlertFromText): Selection[] {
  const n = chunk.selected as Float64Array;
  const strings = chunk.selectedText as string[];
  const texts = chunk.texts as Uint8Array;
  const start = n[at.n] as number;
  const end = n[at.n + 1] as number;
  const count = n[at.n + 2] as number;
  at.n += 3;
  // One alert source for the record's selections: no closure per selection (they wait in the detect
  // stage's reorder buffer for the lateness bound, and what they hold is copied at every scavenge).
  const source = new RecordText(texts, start, end, alertFor);
  const out: Selection[] = [];
  for (let j = 0; j < count; j++) {
    const ruleId = ruleIds[n[at.n] as number] as string;
    const eventTime = n[at.n + 1] as number;
    const distinct = n[at.n + 2] === 1;
    at.n += 3;
    const s = strings[at.s++] as string;
    const id = s.slice(KEY_DIGITS, KEY_DIGITS + ID_DIGITS);
    const rest = KEY_DIGITS + ID_DIGITS + (distinct ? DISTINCT_DIGITS : 0);
    // The fields in selectionOf's order.
    const data: SelectionData = { ruleId, key: s.slice(0, KEY_DIGITS), keyValues: JSON.parse(s.slice(rest)) as Record<string, unknown>, eventTime, id };
    if (distinct) data.distinct = s.slice(KEY_DIGITS + ID_DIGITS, rest);
    out.push(lazyAlert(data, source));
  }
  return out;
}

/** A delivery key that crossed threads as its hash (`hashKey`'s two halves), as chunkItems names it: `#` and the halves in hex. */
export function hashKeyText(h: number, l: number): string {
  const hex = (x: number) => (x >>> 0).toString(16).padStart(8, '0');
  return `#${hex(h)}${hex(l)}`;
}

/**
 * The chunk's items again, as stage 1 results or reader items, in input order. A QUIET or SELECTED
 * record's key is given as its hash (`hashKeyText`): its key did not cross threads. `ruleIds`: as
 * for `selectedItem`.
 */
export function* chunkItems(chunk: EvaluatedChunk, alertFor: AlertFromText, ruleIds: readonly string[] = []): Generator<{ evaluated: Evaluated; where: string } | { item: EvaluatedChunk['others'][number] }> {
  let k = 0;
  let f = 0;
  let o = 0;
  const at: SelectedCursor = { n: 0, s: 0 };
  const outOfScope = { evaluated: { status: 'outOfScope' } as Evaluated, where: '' };
  for (let i = 0; i < chunk.kinds.length; i++) {
    switch (chunk.kinds[i]) {
      case OUT_OF_SCOPE:
        yield outOfScope;
        break;
      case QUIET:
        yield { evaluated: { status: 'inScope', key: hashKeyText(chunk.hashes[k] as number, chunk.hashes[k + 1] as number), errors: [], alerts: [] }, where: '' };
        k += 2;
        break;
      case SELECTED: {
        const key = hashKeyText(chunk.hashes[k] as number, chunk.hashes[k + 1] as number);
        k += 2;
        yield { evaluated: { status: 'inScope', key, errors: [], alerts: [], selections: selectedItem(chunk, at, ruleIds, alertFor) }, where: '' };
        break;
      }
      case FOUND:
        yield foundItem(chunk.found[f++] as Found, alertFor, chunk.texts);
        break;
      default:
        yield { item: chunk.others[o++] as EvaluatedChunk['others'][number] };
    }
  }
}
