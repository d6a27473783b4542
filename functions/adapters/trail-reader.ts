/**
 * Reads CloudTrail logs from files, directories and stdin as a stream of parsed values, one record
 * (or EventBridge event) at a time, file by file, so memory stays flat however large the input.
 *
 * Formats: trail log files (`{"Records": [...]}`, optionally gzip), JSON arrays, single records or
 * events, and JSON Lines of any of these. Gzip is detected by its magic bytes, not the file name.
 * `.jsonl` files are read line by line; `.json` files through the streaming record splitter; stdin
 * and other explicitly named files are sniffed. Problems are yielded, never thrown.
 */
import { createReadStream, type Dirent } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { JsonRecordSplitter } from '../core/json-splitter';
import { isPlainObject } from '../core/record';

export type TrailItem =
  | { kind: 'file'; file: string }
  | { kind: 'value'; file: string; where: string; value: unknown }
  | { kind: 'malformed'; file: string; where: string; reason: string }
  | { kind: 'unreadable'; file: string; reason: string }
  | { kind: 'bytes'; bytes: number };

const LOG_FILE = /\.(json|jsonl)(\.gz)?$/i;
/** CloudTrail digest files (integrity hashes, not events) live under CloudTrail-Digest/ and name it. */
const DIGEST = /(^|[/\\_])CloudTrail-Digest([/\\_]|$)/;

/** Expands PATHs into input files: directories are walked recursively (sorted) for log files. */
async function* expandPaths(paths: readonly string[], cwd: string): AsyncGenerator<{ file: string; fsPath: string } | { unreadable: string; reason: string }> {
  for (const p of paths) {
    if (p === '-') {
      yield { file: '-', fsPath: '-' };
      continue;
    }
    const abs = resolve(cwd, p);
    let st;
    try {
      st = await stat(abs);
    } catch (e) {
      yield { unreadable: p, reason: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message };
      continue;
    }
    if (st.isDirectory()) {
      let found = 0;
      for await (const f of walk(abs)) {
        found++;
        yield { file: join(p, f.slice(abs.length + 1)), fsPath: f };
      }
      if (found === 0) yield { unreadable: p, reason: 'no .json, .json.gz, .jsonl or .jsonl.gz trail log files in this directory' };
    } else {
      yield { file: p, fsPath: abs };
    }
  }
}

/** Every trail log file under `dir`, recursively, sorted; CloudTrail digest files are skipped. */
export async function* walk(dir: string): AsyncGenerator<string> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const full = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'CloudTrail-Digest') yield* walk(full);
    } else if (e.isFile() && LOG_FILE.test(e.name) && !DIGEST.test(e.name)) yield full;
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

async function openInput(file: string, stdin: Readable, onBytes: (n: number) => void): Promise<{ stream: Readable; mode: Mode }> {
  if (file === '-') {
    // stdin cannot be re-read: peek at its first bytes, then replay them.
    const first = await peek(stdin, 2, onBytes);
    const stream = isGzip(first.head) ? first.rest.pipe(createGunzip({ chunkSize: GZIP_CHUNK })) : first.rest;
    const sniff = await peek(stream, 1 << 20);
    return { stream: sniff.rest, mode: firstLineIsJson(sniff.head) ? 'lines' : 'document' };
  }
  const head = await readHead(file, 1 << 16);
  const gz = isGzip(head);
  const raw = counted(createReadStream(file, { highWaterMark: 1 << 20 }), onBytes);
  let stream: Readable = raw;
  if (gz) {
    const gunzip = createGunzip({ chunkSize: GZIP_CHUNK });
    raw.on('error', (e) => gunzip.destroy(e));
    stream = raw.pipe(gunzip);
  }
  // Named .json/.jsonl files go by their name; others are sniffed (gzip ones read as documents,
  // which the splitter also handles when they hold one JSON value per line).
  const mode = modeFromName(file) ?? (gz ? 'document' : firstLineIsJson(head) ? 'lines' : 'document');
  return { stream, mode };
}

/** Each record-level value of a parsed top-level value (expanding Records wrappers and arrays). */
function expandValue(value: unknown, where: string, file: string, out: TrailItem[]): void {
  if (isPlainObject(value) && Array.isArray(value.Records)) {
    value.Records.forEach((r, i) => out.push({ kind: 'value', file, where: `${where}, Records[${i}]`, value: r }));
  } else if (Array.isArray(value)) {
    value.forEach((r, i) => out.push({ kind: 'value', file, where: `${where}, [${i}]`, value: r }));
  } else {
    out.push({ kind: 'value', file, where, value });
  }
}

/** JSON Lines: one batch of items per chunk read. A bad line is one malformed item, never more. */
async function* readLines(file: string, stream: Readable): AsyncGenerator<TrailItem[]> {
  let line = 0;
  let rest = Buffer.alloc(0);
  const parseLine = (buf: Buffer, out: TrailItem[]) => {
    line++;
    let end = buf.length;
    if (end > 0 && buf[end - 1] === 0x0d) end--;
    const text = buf.toString('utf8', 0, end);
    if (text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      out.push({ kind: 'malformed', file, where: `line ${line}`, reason: `invalid JSON: ${(e as Error).message}` });
      return;
    }
    expandValue(value, `line ${line}`, file, out);
  };
  for await (const chunk of stream) {
    const buf = rest.length ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer);
    const out: TrailItem[] = [];
    let start = 0;
    for (let nl = buf.indexOf(0x0a, start); nl !== -1; nl = buf.indexOf(0x0a, start)) {
      parseLine(buf.subarray(start, nl), out);
      start = nl + 1;
    }
    rest = Buffer.from(buf.subarray(start));
    if (out.length) yield out;
  }
  if (rest.length) {
    const out: TrailItem[] = [];
    parseLine(rest, out);
    if (out.length) yield out;
  }
}

/** Trail documents through the streaming splitter: one batch of items per chunk read. */
async function* readDocument(file: string, stream: Readable): AsyncGenerator<TrailItem[]> {
  const splitter = new JsonRecordSplitter();
  const handle = (outputs: ReturnType<JsonRecordSplitter['push']>): TrailItem[] =>
    outputs.map((o): TrailItem => {
      if ('error' in o) return { kind: 'malformed', file, where: `line ${o.line}`, reason: o.error };
      const where = o.index >= 0 ? `line ${o.line}, record ${o.index}` : `line ${o.line}`;
      try {
        return { kind: 'value', file, where, value: JSON.parse(o.text) };
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
export async function* readTrail(paths: readonly string[], stdin: Readable = process.stdin, cwd = process.cwd()): AsyncGenerator<TrailItem[]> {
  for await (const entry of expandPaths(paths, cwd)) {
    if ('unreadable' in entry) {
      yield [{ kind: 'unreadable', file: entry.unreadable, reason: entry.reason }];
      continue;
    }
    const file = entry.file;
    let bytes = 0;
    let opened;
    try {
      opened = await openInput(entry.fsPath, stdin, (n) => (bytes += n));
    } catch (e) {
      yield [{ kind: 'unreadable', file, reason: (e as Error).message }];
      continue;
    }
    yield [{ kind: 'file', file }];
    let last = 0;
    try {
      const batches = opened.mode === 'lines' ? readLines(file, opened.stream) : readDocument(file, opened.stream);
      for await (const batch of batches) {
        if (bytes !== last) {
          batch.push({ kind: 'bytes', bytes: bytes - last });
          last = bytes;
        }
        yield batch;
      }
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const reason = err.code === 'Z_BUF_ERROR' || err.code === 'Z_DATA_ERROR' ? `corrupt or truncated gzip (${err.message})` : err.message;
      yield [{ kind: 'malformed', file, where: 'file', reason }];
    }
    if (bytes !== last) yield [{ kind: 'bytes', bytes: bytes - last }];
  }
}
