/**
 * Reads CloudTrail logs from files, directories and stdin as a stream of parsed values, one record
 * (or EventBridge event) at a time, file by file, so memory stays flat however large the input.
 *
 * Formats: trail log files (`{"Records": [...]}`, optionally gzip), JSON arrays, single records or
 * events, and JSON Lines of any of these. Gzip is detected by its magic bytes, not the file name.
 * `.jsonl` files are read line by line; `.json` files through the streaming record splitter; stdin
 * and other explicitly named files are sniffed. Problems are yielded, never thrown.
 *
 * Accounting: every record-level value is yielded as a value or as malformed (with file and line),
 * and every path as a file or as unreadable (with the reason). A record or line over
 * `maxRecordBytes` (default 64 MiB) is skipped as malformed without being buffered; one nested
 * deeper than MAX_NESTING levels is malformed too. Directories are walked following symbolic links,
 * each directory at most once (a link to one already read, a loop, a dangling link, an unlistable
 * directory and a FIFO or device with a log file's name are named as unreadable). An unreadable
 * item says whether it is a path named by the caller (`argument`: missing, unlistable, no log files,
 * cannot be opened) rather than something skipped inside a directory that was read. Named FIFOs,
 * character devices and /dev/fd/N (`replay <(cat x.json)`) are read as streams, like stdin.
 */
import { createReadStream, type Dirent, type Stats } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';
import { DEFAULT_MAX_ELEMENT_BYTES, JsonRecordSplitter } from '../core/input/json-splitter';
import { MAX_NESTING, mayNestDeeperThan, nestsDeeperThan } from '../core/common/nesting';
import { hasControlByte, isJsonSpace, withoutTrailingSpace } from '../core/input/control-bytes';
import { RECORDS_LETTER_ESCAPE } from '../core/input/raw-document';
import { bytesAre } from '../core/input/ascii-bytes';
import { isPlainObject } from '../core/common/json-value';
import { DIGEST, LOG_FILE } from '../core/input/trail-keys';

export interface ReadTrailOptions {
  /** Largest record of a JSON document, or line of JSON Lines, that is read; bigger ones are skipped as malformed. */
  maxRecordBytes?: number;
  /** Largest `.json` file read whole instead of streamed (default WHOLE_FILE_MAX_BYTES; 0 streams every file). */
  wholeFileMaxBytes?: number;
}

/** The default maximum record (or line) size: 64 MiB. */
export const DEFAULT_MAX_RECORD_BYTES = DEFAULT_MAX_ELEMENT_BYTES;

export type TrailItem =
  | { kind: 'file'; file: string }
  | { kind: 'value'; file: string; where: string; value: unknown }
  | { kind: 'malformed'; file: string; where: string; reason: string }
  /** `argument`: a path the caller named (not one found inside a directory) that could not be read at all. */
  | { kind: 'unreadable'; file: string; reason: string; argument: boolean }
  | { kind: 'bytes'; bytes: number };


/**
 * An input file (`file` as shown, `fsPath` to open; `regular`: a regular file, not stdin, a FIFO or a
 * device; `argument`: named by the caller, not found in a directory), or a path that could not be
 * read. Plain data, so it can be handed to a worker thread.
 */
export type TrailInput = { file: string; fsPath: string; regular: boolean; argument: boolean } | { unreadable: string; reason: string; argument: boolean };

/** Expands PATHs into input files, in reading order: directories are walked recursively (sorted) for log files. */
export async function* trailInputs(paths: readonly string[], cwd: string): AsyncGenerator<TrailInput> {
  const visited = new Map<string, string>();
  for (const p of paths) {
    if (p === '-') {
      yield { file: '-', fsPath: '-', regular: false, argument: true };
      continue;
    }
    const abs = resolve(cwd, p);
    let st;
    try {
      st = await stat(abs);
    } catch (e) {
      yield { unreadable: p, reason: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message, argument: true };
      continue;
    }
    if (st.isDirectory()) {
      const shown = (f: string) => (f === abs ? p : join(p, f.slice(abs.length + 1)));
      let found = 0;
      let notes = 0;
      for await (const f of walkEntries(abs, st, visited, shown)) {
        if ('skipped' in f) {
          notes++;
          // The named directory itself could not be listed: the path cannot be read (unlike one already read).
          yield { unreadable: shown(f.skipped), reason: f.reason, argument: f.skipped === abs && f.unlistable === true };
        } else {
          found++;
          yield { file: shown(f.file), fsPath: f.file, regular: true, argument: false };
        }
      }
      if (found === 0 && notes === 0) yield { unreadable: p, reason: 'no .json, .json.gz, .jsonl or .jsonl.gz trail log files in this directory', argument: true };
    } else {
      yield { file: p, fsPath: abs, regular: st.isFile(), argument: true };
    }
  }
}

type WalkEntry = { file: string } | { skipped: string; reason: string; unlistable?: true };

const dirKey = (st: Stats) => `${st.dev}:${st.ino}`;

function special(st: Stats | Dirent): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a file';
}

function errorText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code ? `${err.code}: ${err.message.replace(new RegExp(`^${err.code}: `), '').replace(/, \w+ '.*'$/, '')}` : String(err.message ?? e);
}

/**
 * Every trail log file under `dir`, recursively, sorted, following symbolic links; CloudTrail digest
 * files are skipped. Each directory is read once (by device and inode), so link loops end; what is
 * skipped otherwise is reported: links to directories already read, dangling links, directories
 * that cannot be listed, FIFOs and devices with a log file's name (reading one could block).
 */
async function* walkEntries(dir: string, dirStat: Stats, visited: Map<string, string>, shown: (path: string) => string): AsyncGenerator<WalkEntry> {
  const seen = visited.get(dirKey(dirStat));
  if (seen !== undefined) {
    yield { skipped: dir, reason: `directory already read (${shown(seen)}); skipped` };
    return;
  }
  visited.set(dirKey(dirStat), dir);
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    yield { skipped: dir, reason: `cannot list this directory (${errorText(e)})`, unlistable: true };
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const full = join(dir, e.name);
    const isLog = LOG_FILE.test(e.name) && !DIGEST.test(e.name);
    if (e.isFile()) {
      if (isLog) yield { file: full };
      continue;
    }
    if (!e.isDirectory() && !e.isSymbolicLink()) {
      if (isLog) yield { skipped: full, reason: `not a regular file (${special(e)}); skipped (name it on the command line to read it)` };
      continue;
    }
    let st: Stats;
    try {
      st = await stat(full);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      yield { skipped: full, reason: code === 'ENOENT' ? 'dangling symbolic link; skipped' : code === 'ELOOP' ? 'symbolic link loop; skipped' : `cannot read (${errorText(err)})` };
      continue;
    }
    if (st.isDirectory()) {
      if (e.name === 'CloudTrail-Digest') continue;
      const already = visited.get(dirKey(st));
      if (already !== undefined) {
        yield { skipped: full, reason: `${e.isSymbolicLink() ? 'symbolic link to a directory' : 'directory'} already read (${shown(already)}); skipped` };
        continue;
      }
      yield* walkEntries(full, st, visited, shown);
    } else if (isLog) {
      yield st.isFile() ? { file: full } : { skipped: full, reason: `not a regular file (${special(st)}); skipped (name it on the command line to read it)` };
    }
  }
}

/**
 * Every trail log file under `dir`, recursively, sorted (see walkEntries: symbolic links followed,
 * each directory once). What is skipped, and why, goes to `onSkipped` when given.
 */
export async function* walk(dir: string, onSkipped?: (path: string, reason: string) => void): AsyncGenerator<string> {
  let st: Stats;
  try {
    st = await stat(dir);
  } catch (e) {
    onSkipped?.(dir, `cannot read (${errorText(e)})`);
    return;
  }
  for await (const entry of walkEntries(dir, st, new Map(), (p) => p)) {
    if ('file' in entry) yield entry.file;
    else onSkipped?.(entry.skipped, entry.reason);
  }
}

/** Reads the first bytes of a stream without losing them. */
async function peek(stream: Readable, min: number, onChunk?: (bytes: number) => void): Promise<{ head: Buffer; rest: Readable }> {
  const chunks: Buffer[] = [];
  let size = 0;
  const it = stream[Symbol.asyncIterator]();
  while (size < min) {
    const { value, done } = await it.next();
    if (done) break;
    const b = Buffer.isBuffer(value) ? value : Buffer.from(value as string);
    onChunk?.(b.length);
    chunks.push(b);
    size += b.length;
  }
  const head = Buffer.concat(chunks);
  const rest = new PassThrough();
  rest.write(head);
  (async () => {
    try {
      for (let r = await it.next(); !r.done; r = await it.next()) {
        onChunk?.((r.value as Buffer).length);
        if (!rest.write(r.value)) await new Promise((res) => rest.once('drain', res));
      }
      rest.end();
    } catch (e) {
      rest.destroy(e as Error);
    }
  })();
  return { head, rest };
}

type Mode = 'lines' | 'document';

function firstLineIsJson(head: Buffer): boolean {
  const nl = head.indexOf(0x0a);
  if (nl === -1) return false;
  try {
    JSON.parse(head.toString('utf8', 0, nl));
    return true;
  } catch {
    return false;
  }
}

const GZIP_CHUNK = 256 * 1024;

function isGzip(head: Buffer): boolean {
  return head[0] === 0x1f && head[1] === 0x8b;
}

function modeFromName(file: string): Mode | null {
  const name = file.toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.jsonl')) return 'lines';
  if (name.endsWith('.json')) return 'document';
  return null;
}

/** Reads up to `size` bytes from the start of a file. */
async function readHead(file: string, size: number): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(size);
    const { bytesRead } = await fh.read(buf, 0, size, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function counted(stream: Readable, onBytes: (n: number) => void): Readable {
  stream.on('data', (c: Buffer) => onBytes(c.length));
  return stream;
}

function gunzipped(stream: Readable): Readable {
  const gunzip = createGunzip({ chunkSize: GZIP_CHUNK });
  stream.on('error', (e) => gunzip.destroy(e));
  return stream.pipe(gunzip);
}

/** A stream that cannot be re-read or seeked (stdin, a FIFO, /dev/fd/N): peek at its first bytes, then replay them. */
async function openStream(raw: Readable, name: string | null, onBytes?: (n: number) => void): Promise<{ stream: Readable; mode: Mode }> {
  const first = await peek(raw, 2, onBytes);
  const stream = isGzip(first.head) ? gunzipped(first.rest) : first.rest;
  const byName = name === null ? null : modeFromName(name);
  if (byName) return { stream, mode: byName };
  const sniff = await peek(stream, 1 << 20);
  return { stream: sniff.rest, mode: firstLineIsJson(sniff.head) ? 'lines' : 'document' };
}

async function openInput(entry: { fsPath: string; regular: boolean }, stdin: Readable, onBytes: (n: number) => void): Promise<{ stream: Readable; mode: Mode }> {
  if (entry.fsPath === '-') return openStream(stdin, null, onBytes);
  const file = entry.fsPath;
  if (!entry.regular) return openStream(counted(createReadStream(file, { highWaterMark: 1 << 20 }), onBytes), file);
  const head = await readHead(file, 1 << 16);
  const gz = isGzip(head);
  const raw = counted(createReadStream(file, { highWaterMark: 1 << 20 }), onBytes);
  const stream = gz ? gunzipped(raw) : raw;
  // Named .json/.jsonl files go by their name; others are sniffed (gzip ones read as documents,
  // which the splitter also handles when they hold one JSON value per line).
  const mode = modeFromName(file) ?? (gz ? 'document' : firstLineIsJson(head) ? 'lines' : 'document');
  return { stream, mode };
}

/** The reason given for a value nested deeper than MAX_NESTING. */
export const TOO_DEEP = `nested deeper than ${MAX_NESTING} levels; skipped`;

/** A parsed value as an item: malformed when it nests deeper than MAX_NESTING (checked only when its text could). */
function valueItem(file: string, where: string, value: unknown, text: string): TrailItem {
  if (mayNestDeeperThan(text, MAX_NESTING) && nestsDeeperThan(value, MAX_NESTING)) return { kind: 'malformed', file, where, reason: TOO_DEEP };
  return { kind: 'value', file, where, value };
}

/** Each record-level value of a parsed top-level value (expanding Records wrappers and arrays). */
function expandValue(value: unknown, where: string, file: string, text: string, out: TrailItem[]): void {
  const deep = mayNestDeeperThan(text, MAX_NESTING);
  const item = (w: string, v: unknown): TrailItem => (deep && nestsDeeperThan(v, MAX_NESTING) ? { kind: 'malformed', file, where: w, reason: TOO_DEEP } : { kind: 'value', file, where: w, value: v });
  if (isPlainObject(value) && Array.isArray(value.Records)) {
    value.Records.forEach((r, i) => out.push(item(`${where}, Records[${i}]`, r)));
  } else if (Array.isArray(value)) {
    value.forEach((r, i) => out.push(item(`${where}, [${i}]`, r)));
  } else {
    out.push(item(where, value));
  }
}

/**
 * JSON Lines: one batch of items per chunk read. A bad line is one malformed item, never more. A line
 * is assembled once from the pieces it arrived in (linear), and one over `maxBytes` is not kept at all
 * (a line's size does not count its CR LF or LF: a line of exactly `maxBytes` is read).
 */
async function* readLines(file: string, stream: Readable, maxBytes: number): AsyncGenerator<TrailItem[]> {
  let line = 0;
  let pieces: Buffer[] = [];
  let size = 0;
  let oversize = false;
  const finishLine = (last: Buffer, out: TrailItem[]) => {
    line++;
    const end = last.length > 0 ? last : pieces[pieces.length - 1];
    const cr = end !== undefined && end[end.length - 1] === 0x0d ? 1 : 0;
    if (oversize || size + last.length - cr > maxBytes) {
      out.push({ kind: 'malformed', file, where: `line ${line}`, reason: `line larger than ${maxBytes} bytes; skipped` });
    } else {
      const buf = pieces.length ? Buffer.concat([...pieces, last]) : last;
      let end = buf.length;
      if (end > 0 && buf[end - 1] === 0x0d) end--;
      const text = buf.toString('utf8', 0, end);
      if (text.trim() !== '') {
        let value: unknown;
        let parsed = true;
        try {
          value = JSON.parse(text);
        } catch (e) {
          parsed = false;
          out.push({ kind: 'malformed', file, where: `line ${line}`, reason: `invalid JSON: ${(e as Error).message}` });
        }
        if (parsed) expandValue(value, `line ${line}`, file, text, out);
      }
    }
    pieces = [];
    size = 0;
    oversize = false;
  };
  for await (const chunk of stream) {
    const buf = chunk as Buffer;
    const out: TrailItem[] = [];
    let start = 0;
    for (let nl = buf.indexOf(0x0a, start); nl !== -1; nl = buf.indexOf(0x0a, start)) {
      finishLine(buf.subarray(start, nl), out);
      start = nl + 1;
    }
    const tail = buf.length - start;
    if (tail > 0 && !oversize) {
      if (size + tail > maxBytes + 1) { // + 1: the line's CR, if it ends in CR LF
        oversize = true;
        pieces = [];
        size = 0;
      } else {
        pieces.push(buf.subarray(start));
        size += tail;
      }
    }
    if (out.length) yield out;
  }
  if (size > 0 || oversize) {
    const out: TrailItem[] = [];
    finishLine(Buffer.alloc(0), out);
    if (out.length) yield out;
  }
}

/** Trail documents through the streaming splitter: one batch of items per chunk read. */
async function* readDocument(file: string, stream: Readable, maxBytes: number): AsyncGenerator<TrailItem[]> {
  const splitter = new JsonRecordSplitter({ maxElementBytes: maxBytes });
  const handle = (outputs: ReturnType<JsonRecordSplitter['push']>): TrailItem[] =>
    outputs.map((o): TrailItem => {
      if ('error' in o) return { kind: 'malformed', file, where: `line ${o.line}`, reason: o.error };
      const where = o.index >= 0 ? `line ${o.line}, record ${o.index}` : `line ${o.line}`;
      try {
        return valueItem(file, where, JSON.parse(o.text), o.text);
      } catch (e) {
        return { kind: 'malformed', file, where, reason: `invalid JSON: ${(e as Error).message}` };
      }
    });
  for await (const chunk of stream) {
    const batch = handle(splitter.push(chunk as Buffer));
    if (batch.length) yield batch;
  }
  const last = handle(splitter.end());
  if (last.length) yield last;
}

/**
 * Streams every record-level value of every input, in order, in batches (one per chunk read, so the
 * per-record cost of async iteration is paid per batch). Relative paths resolve against `cwd` and are
 * reported as given.
 */
export async function* readTrail(paths: readonly string[], stdin: Readable = process.stdin, cwd = process.cwd(), options: ReadTrailOptions = {}): AsyncGenerator<TrailItem[]> {
  for await (const input of trailInputs(paths, cwd)) yield* readInput(input, stdin, options);
}

/**
 * One input's items: `unreadable`, or `file` then its values, malformed records and `bytes`. A
 * regular `.json` file of at most WHOLE_FILE_MAX_BYTES is read whole (readWholeText, parseWholeText) when that
 * gives exactly what streaming gives; anything else is streamed.
 */
export async function* readInput(input: TrailInput, stdin: Readable = process.stdin, options: ReadTrailOptions = {}): AsyncGenerator<TrailItem[]> {
  const maxBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  if ('unreadable' in input) {
    yield [{ kind: 'unreadable', file: input.unreadable, reason: input.reason, argument: input.argument }];
    return;
  }
  const file = input.file;
  const whole = await wholeFileRecords(input, options);
  if (whole) {
    const { records, tooDeep } = whole;
    const items: TrailItem[] = new Array(records.length + 2);
    items[0] = { kind: 'file', file };
    for (let i = 0; i < records.length; i++) {
      items[i + 1] = tooDeep.has(i) ? { kind: 'malformed', file, where: wholeWhere(i), reason: TOO_DEEP } : { kind: 'value', file, where: wholeWhere(i), value: records[i] };
    }
    items[records.length + 1] = { kind: 'bytes', bytes: whole.bytes };
    yield items;
    return;
  }
  const counter = { bytes: 0 };
  let opened;
  try {
    opened = await openInput(input, stdin, (n) => (counter.bytes += n));
  } catch (e) {
    yield [{ kind: 'unreadable', file, reason: (e as Error).message, argument: input.argument }];
    return;
  }
  yield* readOpened(file, opened, counter, maxBytes);
}

/**
 * Reads one stream that is already open (an S3 object's body) as a named file is read: gzip detected
 * by its magic bytes, `.jsonl` line by line, `.json` through the splitter, other names sniffed.
 * `file` names it in every item; one that cannot be opened is unreadable (not a named argument).
 */
export async function* readStream(file: string, raw: Readable, options: ReadTrailOptions = {}): AsyncGenerator<TrailItem[]> {
  const counter = { bytes: 0 };
  let opened;
  try {
    opened = await openStream(raw, file, (n) => (counter.bytes += n));
  } catch (e) {
    yield [{ kind: 'unreadable', file, reason: (e as Error).message, argument: false }];
    return;
  }
  yield* readOpened(file, opened, counter, options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES);
}

/** The items of one opened input: the file, its records in batches, the bytes read; a stream that fails midway is malformed at `file`. */
async function* readOpened(file: string, opened: { stream: Readable; mode: Mode }, counter: { bytes: number }, maxBytes: number): AsyncGenerator<TrailItem[]> {
  yield [{ kind: 'file', file }];
  let last = 0;
  try {
    const batches = opened.mode === 'lines' ? readLines(file, opened.stream, maxBytes) : readDocument(file, opened.stream, maxBytes);
    for await (const batch of batches) {
      if (counter.bytes !== last) {
        batch.push({ kind: 'bytes', bytes: counter.bytes - last });
        last = counter.bytes;
      }
      yield batch;
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const reason = err.code === 'Z_BUF_ERROR' || err.code === 'Z_DATA_ERROR' ? `corrupt or truncated gzip (${err.message})` : err.message;
    yield [{ kind: 'malformed', file, where: 'file', reason }];
  }
  if (counter.bytes !== last) yield [{ kind: 'bytes', bytes: counter.bytes - last }];
}

/** One JSON text (a LookupEvents `CloudTrailEvent`) as an item: a value, or malformed (invalid JSON, nested too deep). */
export function textItem(file: string, where: string, text: string): TrailItem {
  try {
    return valueItem(file, where, JSON.parse(text), text);
  } catch (e) {
    return { kind: 'malformed', file, where, reason: `invalid JSON: ${(e as Error).message}` };
  }
}

/**
 * Largest trail file (compressed, and its JSON) read whole rather than streamed: CloudTrail delivers
 * files of a few MB; reading one whole and parsing it with one JSON.parse is about twice as fast as
 * splitting it and parsing each record, and costs memory bounded by this size (per worker thread).
 */
export const WHOLE_FILE_MAX_BYTES = 16 * 1024 * 1024;

/**
 * Reading a `.json` trail file whole: gunzip (by magic bytes) and one JSON.parse of the document. Only
 * where the result is provably what the streaming splitter gives (so the two paths can never
 * disagree; test/unit/trail-reader-whole.property.test.ts checks it on arbitrary bytes): the file and
 * its JSON at most `maxBytes` (so no record can be over the record size limit), the whole text one
 * valid JSON document that is a `{"Records": [...]}` object with no other key, or an array, and on
 * one line (every record's position is `line 1, record i`, wholeWhere). Anything else (invalid or
 * truncated JSON or gzip, other shapes, several lines, too big, unreadable) returns null and is streamed.
 * `tooDeep`: the indexes of the records nested deeper than MAX_NESTING (malformed, as streaming says).
 */
async function readWholeText(fsPath: string, maxBytes: number): Promise<WholeText | null> {
  let json: Buffer;
  let bytes: number;
  try {
    const fh = await open(fsPath, 'r');
    let raw: Buffer;
    try {
      const size = (await fh.stat()).size;
      if (size > maxBytes) return null;
      raw = await fh.readFile();
    } finally {
      await fh.close();
    }
    if (raw.length > maxBytes) return null;
    bytes = raw.length;
    const out = isGzip(raw) ? gunzipSync(raw, { maxOutputLength: maxBytes, chunkSize: gunzipChunkSize(raw, maxBytes) }) : raw;
    json = out.length >= 3 && out[0] === 0xef && out[1] === 0xbb && out[2] === 0xbf ? out.subarray(3) : out;
  } catch {
    return null; // unreadable, corrupt or over the size: streaming says what it says
  }
  // On the bytes, what the text would say (a line feed and JSON's whitespace are single bytes that
  // only ever decode to themselves, and every other byte to something else): one line, and the head.
  const nl = json.indexOf(0x0a);
  if (nl !== -1) for (let i = nl + 1; i < json.length; i++) if (!isJsonSpace(json[i])) return null;
  const wrapper = startsWithBytes(json, WRAPPER_HEAD_TOKENS);
  if (!wrapper && !startsWithBytes(json, ARRAY_HEAD_TOKENS)) return null;
  return new DecodedOnDemand(json, bytes, wrapper);
}

/**
 * `{"Records": [` (the key written plainly: the splitter matches the key's bytes, not its value) or
 * `[`, at the start, token by token: JSON whitespace may come before each.
 */
const WRAPPER_HEAD_TOKENS = ['{', '"Records"', ':', '['];
const ARRAY_HEAD_TOKENS = ['['];

/** Whether `b` starts with the tokens, each after any JSON whitespace. */
function startsWithBytes(b: Uint8Array, tokens: readonly string[]): boolean {
  let p = 0;
  for (const t of tokens) {
    while (p < b.length && isJsonSpace(b[p])) p++;
    if (!bytesAre(b, p, t)) return false;
    p += t.length;
  }
  return true;
}

/** A WholeText whose text is decoded, and whose bytes are checked for control bytes, only when first asked. */
class DecodedOnDemand implements WholeText {
  private decoded: string | undefined;
  private noControl: boolean | undefined;

  constructor(
    readonly json: Buffer,
    readonly bytes: number,
    readonly wrapper: boolean,
  ) {}

  get text(): string {
    return (this.decoded ??= this.json.toString('utf8'));
  }

  get controlFree(): boolean {
    return (this.noControl ??= !hasControlByte(this.json, withoutTrailingSpace(this.json)));
  }
}

/**
 * JSON.parse keeps the last of two "Records" keys, the splitter reads every one spelled plainly: a
 * wrapper document is read whole only when no second key can be "Records" (no other plain
 * `"Records"` anywhere in the text, no \u escape of one of its letters; a text without any \u
 * escape needs no closer look, and most trail files have none). scanDocument
 * (core/input/raw-document.ts) refuses exactly the same texts, from the strings it reads.
 */
export function recordsKeyAmbiguous(text: string): boolean {
  return text.indexOf('"Records"', text.indexOf('"Records"') + 1) !== -1 || (text.indexOf('\\u') !== -1 && RECORDS_LETTER_ESCAPE.test(text));
}

/** A whole file's records from its text (one JSON.parse), or null when it must be streamed. */
export function parseWholeText({ text, bytes, wrapper }: WholeText): WholeFile | null {
  if (wrapper && recordsKeyAmbiguous(text)) return null;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return null;
  }
  let records: unknown[];
  if (wrapper) {
    if (!isPlainObject(doc) || !Array.isArray(doc.Records)) return null;
    for (const k in doc) if (k !== 'Records') return null;
    records = doc.Records;
  } else {
    if (!Array.isArray(doc)) return null;
    records = doc;
  }
  // The splitter checks each record's own text; a document that cannot nest deeper than the limit
  // has no record that can (and when it may, each record is checked exactly, as streaming does).
  const tooDeep = new Set<number>();
  if (mayNestDeeperThan(text, MAX_NESTING)) {
    for (let i = 0; i < records.length; i++) if (nestsDeeperThan(records[i], MAX_NESTING)) tooDeep.add(i);
  }
  return { records, tooDeep, bytes };
}

/**
 * zlib's output chunk for a gzip member whose trailer says it inflates to about `ISIZE` bytes (its
 * size mod 2^32): one chunk when that is within the limit, so the output is not assembled from 16 KiB
 * pieces. Only a size hint: a wrong or lying trailer costs speed, never correctness.
 */
function gunzipChunkSize(raw: Buffer, maxBytes: number): number {
  const isize = raw.length >= 18 ? raw.readUInt32LE(raw.length - 4) : 0;
  return Math.max(64 * 1024, Math.min(isize + 1, maxBytes + 1, WHOLE_FILE_MAX_BYTES + 1));
}

/** A trail file read whole (readWholeText, parseWholeText): its records, those nested too deep, its size on disk. */
export interface WholeFile {
  records: unknown[];
  tooDeep: ReadonlySet<number>;
  bytes: number;
}

/**
 * The text of a file that may be read whole, before parsing: `{"Records": [...]}` (`wrapper`) or an
 * array, on one line. parseWholeText parses it; a reader may also scan it (core/input/raw-document.ts
 * `scanDocument`, which takes a text only where parseWholeText would, with the same records).
 */
export interface WholeText {
  /** The document's bytes (gunzipped, without a byte order mark). */
  readonly json: Buffer;
  /** Its text (UTF-8; decoded when first read: a scan of an ASCII document needs none, core/input/raw-ascii.ts). */
  readonly text: string;
  readonly bytes: number;
  readonly wrapper: boolean;
  /** No control character in the text, trailing whitespace aside (found on its bytes: core/input/control-bytes.ts). */
  readonly controlFree: boolean;
}

/** The position of record `i` of a file read whole (the one line of the document). */
export function wholeWhere(i: number): string {
  return `line 1, record ${i}`;
}

/**
 * The input read whole, when it is a regular `.json` file that can be (readWholeText, parseWholeText); null when
 * it must be streamed (readInput then does). readInput's items for such a file are: the file, a value
 * (or TOO_DEEP malformed) per record at wholeWhere(i), the bytes.
 */
async function wholeFileRecords(input: TrailInput, options: ReadTrailOptions = {}): Promise<WholeFile | null> {
  const whole = await wholeFileText(input, options);
  return whole && parseWholeText(whole);
}

/**
 * wholeFileRecords before the parse: the text when the input can be read whole, else null (and it
 * must be streamed). `parseWholeText` of it is what wholeFileRecords returns, null included.
 */
export async function wholeFileText(input: TrailInput, options: ReadTrailOptions = {}): Promise<WholeText | null> {
  if ('unreadable' in input || !input.regular || modeFromName(input.fsPath) !== 'document' || options.wholeFileMaxBytes === 0) return null;
  const maxBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  return readWholeText(input.fsPath, Math.min(maxBytes, options.wholeFileMaxBytes ?? WHOLE_FILE_MAX_BYTES));
}
