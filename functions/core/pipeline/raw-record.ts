/**
 * Stage 1 of the record pipeline (record-pipeline.ts `evaluateValue`) for one record of a scanned
 * document (input/raw-document.ts), without parsing it when that provably gives the same result:
 *
 *   1. a PLAIN record's top-level eventVersion / eventSource / eventName / eventTime / eventID are
 *      read from the text; toRecord, the scope check and the delivery key read nothing else, so on a
 *      record holding just those fields they give what they give on the whole record: malformed and
 *      out-of-scope records are classified without a parse (most of an organization's trail);
 *   2. an in-scope record is counted as quiet (no alert, selection or rule error) without a parse
 *      when the evaluator's raw-text pre-filter (`mayMatchText`, match/text-requirement.ts) rules out
 *      every rule that could see its eventName;
 *   3. anything else returns PARSE, and the caller parses the record's text, checks a record whose
 *      text nests past the limit for depth on its value (`mayBeTooDeep`: the trail reader's TOO_DEEP),
 *      and runs evaluateValue.
 *
 * `evaluateValue(JSON.parse(record's text))` returns the same as this whenever this does not return
 * PARSE (test/unit/raw-prefilter.property.test.ts checks it on generated rules and records).
 */
import { deliveryKeyOf } from '../alert/alert';
import type { CloudTrailRecord } from '../common/types';
import { LiteralFinder } from '../input/literal-finder';
import { hashKeySpans } from '../input/duplicate-window';
import { DEEP, documentText, F_EVENT_ID, F_EVENT_NAME, F_EVENT_SOURCE, F_EVENT_TIME, F_EVENT_VERSION, PLAIN, RAW_FIELDS, rawField, type RawDocument } from '../input/raw-document';
import { toRecord } from '../input/record';
import type { Evaluator } from '../match/evaluator';
import type { Evaluated } from './record-pipeline';

export const PARSE: unique symbol = Symbol('parse');
/** `classify`'s answer for a quiet in-scope record: its delivery key's hash is in `out`. */
export const QUIET_HASHED: unique symbol = Symbol('quiet, hashed');

const OUT_OF_SCOPE: Evaluated = { status: 'outOfScope' };

/** Whether field slot `at` of a scanned document is present with a non-empty value. */
function nonEmpty(doc: RawDocument, at: number): boolean {
  const start = doc.fieldStart[at] as number;
  return start >= 0 && (doc.fieldEnd[at] as number) > start;
}
const NONE: readonly never[] = [];

/**
 * Stage 1 over the records of one scanned document, in order (one finder per document): a document
 * scanned from its text, or from its bytes (input/raw-ascii.ts), read in place either way.
 */
export class RawStage {
  private readonly finder: LiteralFinder;
  /** The document as its text or its ASCII bytes: what the fields' positions are read in. */
  private readonly source: string | Buffer;

  constructor(private readonly doc: RawDocument, private readonly evaluator: Evaluator) {
    this.source = doc.bytes ?? doc.text;
    this.finder = new LiteralFinder(this.source);
  }

  /**
   * Whether record i's text nests deeper than the limit: only then can its value (which `evaluate`
   * leaves to the caller to parse: PARSE) be too deep, and the caller checks the value.
   */
  mayBeTooDeep(i: number): boolean {
    return ((this.doc.flags[i] as number) & DEEP) !== 0;
  }

  /** Record i's text, for the caller to parse when `evaluate` says PARSE. */
  text(i: number): string {
    return documentText(this.doc, this.doc.starts[i] as number, this.doc.ends[i] as number);
  }

  private readonly spans = new Int32Array(8);

  /**
   * `evaluate` for the worker's loop, without an object per quiet record: QUIET_HASHED (and the
   * delivery key's hash, duplicate-window.ts `hashKey`, in out[at], out[at + 1]) only where `evaluate`
   * would give a quiet in-scope result (for most such records: those with all four key fields and a
   * non-empty eventName; the others get `evaluate`'s own result); otherwise what `evaluate` gives.
   */
  classify(i: number, out: Int32Array, at: number): Evaluated | typeof PARSE | typeof QUIET_HASHED {
    const doc = this.doc;
    if (((doc.flags[i] as number) & (PLAIN | DEEP)) !== PLAIN) return PARSE;
    const f = i * RAW_FIELDS.length;
    const starts = doc.fieldStart;
    const ends = doc.fieldEnd;
    // toRecord's test (a named record, else one with a version) on the fields' texts, which are their
    // values; every field present, so the key has no "undefined" part. Anything else: evaluate.
    if (!nonEmpty(doc, f + F_EVENT_SOURCE) || !nonEmpty(doc, f + F_EVENT_NAME) || !nonEmpty(doc, f + F_EVENT_ID) || (starts[f + F_EVENT_TIME] as number) < 0 || !this.evaluator.filtersText) return this.evaluate(i);
    const text = this.source;
    if (!this.evaluator.inScopeSourceAt(text, starts[f + F_EVENT_SOURCE] as number, ends[f + F_EVENT_SOURCE] as number)) return OUT_OF_SCOPE;
    this.finder.range(doc.starts[i] as number, doc.ends[i] as number);
    const may =
      typeof text === 'string'
        ? this.evaluator.mayMatchText(text.slice(starts[f + F_EVENT_NAME], ends[f + F_EVENT_NAME]), this.finder.contains)
        : this.evaluator.mayMatchTextAt(text, starts[f + F_EVENT_NAME] as number, ends[f + F_EVENT_NAME] as number, this.finder.contains);
    if (may) return PARSE;
    // The delivery key is eventID|eventSource|eventName|eventTime (alert.ts deliveryKeyOf).
    const spans = this.spans;
    spans[0] = starts[f + F_EVENT_ID] as number;
    spans[1] = ends[f + F_EVENT_ID] as number;
    spans[2] = starts[f + F_EVENT_SOURCE] as number;
    spans[3] = ends[f + F_EVENT_SOURCE] as number;
    spans[4] = starts[f + F_EVENT_NAME] as number;
    spans[5] = ends[f + F_EVENT_NAME] as number;
    spans[6] = starts[f + F_EVENT_TIME] as number;
    spans[7] = ends[f + F_EVENT_TIME] as number;
    hashKeySpans(text, spans, 4, out, at);
    return QUIET_HASHED;
  }

  /** Stage 1's result for record i, or PARSE. Call in increasing order of i. */
  evaluate(i: number): Evaluated | typeof PARSE {
    const doc = this.doc;
    // A record nested past the limit in its text is parsed: whether it is too deep is the value's.
    if (((doc.flags[i] as number) & (PLAIN | DEEP)) !== PLAIN) return PARSE;
    const fields: Record<string, unknown> = {};
    const version = rawField(doc, i, F_EVENT_VERSION);
    if (version !== undefined) fields.eventVersion = version;
    const source = rawField(doc, i, F_EVENT_SOURCE);
    if (source !== undefined) fields.eventSource = source;
    const name = rawField(doc, i, F_EVENT_NAME);
    if (name !== undefined) fields.eventName = name;
    const time = rawField(doc, i, F_EVENT_TIME);
    if (time !== undefined) fields.eventTime = time;
    const id = rawField(doc, i, F_EVENT_ID);
    if (id !== undefined) fields.eventID = id;
    const parsed = toRecord(fields);
    if (!parsed.ok) return { status: 'malformed', reason: parsed.reason };
    const record = fields as CloudTrailRecord;
    if (!this.evaluator.inScope(record)) return OUT_OF_SCOPE;
    // Without an eventID the delivery key hashes the whole record: parse it.
    if (!id || !this.evaluator.filtersText) return PARSE;
    this.finder.range(doc.starts[i] as number, doc.ends[i] as number);
    if (this.evaluator.mayMatchText(name, this.finder.contains)) return PARSE;
    return { status: 'inScope', key: deliveryKeyOf(record), errors: NONE, alerts: NONE };
  }
}
