/**
 * The worker pool (functions/adapters/replay-workers/): regular files are evaluated in worker
 * threads (stage 1 of the record pipeline) and come back in input order, with the same stage 1
 * results as in this thread; inputs a worker cannot open alone (unreadable paths, non-regular files)
 * are handed back to the main thread in their place. Small chunks here, so flow control (a worker
 * waits for its chunks to be consumed) is exercised across files.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { chunkItems, ChunkBuilder } from '../../functions/adapters/replay-workers/chunk';
import { evaluateInWorkers, MAX_READ_AHEAD, WORKER_STARTED_CHANNEL, type InThread } from '../../functions/adapters/replay-workers/pool';
import { evaluateFile, ruleIndexOf, scanFile } from '../../functions/adapters/replay-workers/file-chunks';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { readInput, type TrailInput, type TrailItem } from '../../functions/adapters/trail-reader';
import { Evaluator } from '../../functions/core/match/evaluator';
import { evaluateValue, type Evaluated } from '../../functions/core/pipeline/record-pipeline';
import type { RuleDefinition } from '../../functions/core/common/types';
import { record } from '../helpers/records';

const rule: RuleDefinition = {
  id: 'deletes', name: 'deletes', description: 'd', severity: 'high', enabled: true, tags: [], references: [], tests: [], file: 'rules/deletes.json',
  conditions: { all: [{ fact: 'eventName', operator: 'equal', value: 'DeleteCollection' }] },
};
const pack = { rules: [rule], lists: {} };
const dir = mkdtempSync(join(tmpdir(), 'rekwatch-pool-'));
const recs = (n: number, tag: string) => Array.from({ length: n }, (_, i) => record({ eventName: i % 7 === 0 ? 'DeleteCollection' : 'DetectFaces', eventID: `${tag}-${i}`, ...(i % 5 === 0 ? { eventSource: 's3.amazonaws.com' } : {}) }));

/** Records of `recs(n)` the rule alerts on: DeleteCollection and in scope. */
const alerting = (n: number) => Array.from({ length: n }, (_, i) => i).filter((i) => i % 7 === 0 && i % 5 !== 0).length;

type Seen = Array<[string, Evaluated | string]>;

/** A reader item other than a value, with its position and reason when malformed. */
const described = (item: Exclude<TrailItem, { kind: 'value' }>): string => (item.kind === 'malformed' ? `malformed at ${item.where}: ${item.reason}` : item.kind);

const alertFor = (ruleId: string, text: string) => new Evaluator(pack).selectionAlert(ruleId, text);

async function inThisThread(inputs: TrailInput[]): Promise<Seen> {
  const evaluator = new Evaluator(pack, { copies: 'each' });
  const seen: Seen = [];
  for (const input of inputs) {
    for await (const batch of readInput(input, Readable.from([]))) {
      for (const item of batch) {
        if (item.kind === 'value') {
          const b = new ChunkBuilder(item.file);
          b.value(await evaluateValue(item.value, evaluator), item.file, item.where);
          for (const x of chunkItems(b.take(), alertFor)) seen.push('item' in x ? [item.file, described(x.item)] : [x.where, x.evaluated]);
        } else if (item.kind !== 'bytes') {
          seen.push([item.file, described(item)]);
        }
      }
    }
  }
  return seen;
}

describe('evaluateInWorkers', () => {
  const files = ['a.json.gz', 'b.json', 'c.jsonl'].map((name) => join(dir, name));
  const inputs: TrailInput[] = [
    { file: 'a', fsPath: files[0] as string, regular: true, argument: true },
    { unreadable: 'gone', reason: 'no such file or directory', argument: true },
    { file: 'b', fsPath: files[1] as string, regular: true, argument: true },
    { file: 'fifo', fsPath: '/dev/null', regular: false, argument: true },
    { file: 'c', fsPath: files[2] as string, regular: true, argument: true },
  ];
  beforeAll(() => {
    // a: read whole (one line); a non-record value and a record nested past MAX_NESTING among the records.
    let deep: unknown = 1;
    for (let i = 0; i < 600; i++) deep = { d: deep };
    writeFileSync(files[0] as string, gzipSync(JSON.stringify({ Records: [...recs(150, 'a'), 7, record({ eventID: 'deep', detail: deep }), ...recs(150, 'a2')] })));
    writeFileSync(files[1] as string, JSON.stringify({ Records: recs(50, 'b') }, null, 1));
    writeFileSync(files[2] as string, `${recs(40, 'c').map((r) => JSON.stringify(r)).join('\n')}\n{bad\n`);
  });

  /** Every input's results through the pool, in order (the main thread's share read here), and who had each. */
  async function pooled(list: TrailInput[], workers = 2, inThread?: InThread, onTaken?: (i: number) => void): Promise<{ kinds: string[]; seen: Seen }> {
    const kinds: string[] = [];
    const seen: Seen = [];
    async function* listed() {
      yield* list;
    }
    for await (const pooled of evaluateInWorkers(listed(), workers, { pack, evaluator: {}, chunkSize: 16 }, undefined, inThread)) {
      kinds.push(pooled.kind);
      if (pooled.kind === 'main') {
        seen.push(...(await inThisThread([pooled.input])));
        continue;
      }
      for await (const chunk of pooled.chunks) {
        for (const x of chunkItems(chunk, alertFor)) {
          if ('item' in x) {
            if (x.item.kind !== 'bytes') seen.push([x.item.file, described(x.item)]);
          } else {
            seen.push([x.where, x.evaluated]);
          }
        }
      }
      onTaken?.(kinds.length - 1);
    }
    return { kinds, seen };
  }

  it('returns each input in order: files evaluated by workers exactly as here, the rest for the main thread', async () => {
    const { kinds, seen } = await pooled(inputs);
    expect(kinds).toEqual(['chunks', 'main', 'chunks', 'main', 'chunks']);
    const expected = await inThisThread(inputs);
    expect(seen).toEqual(expected);
    expect(expected).toContainEqual(['a', 'malformed at line 1, record 151: nested deeper than 512 levels; skipped']);
    expect(expected.filter(([, e]) => typeof e !== 'string' && e.status === 'inScope' && e.alerts.length > 0)).toHaveLength(2 * alerting(150) + alerting(50) + alerting(40));
  });

  describe('with the main thread as one of the threads (inThread)', () => {
    /** Twelve more files of each kind the reader takes: whole-file gzip, pretty-printed, JSON Lines. */
    const more: TrailInput[] = Array.from({ length: 12 }, (_, i) => {
      const fsPath = join(dir, `more-${i}.${['json.gz', 'json', 'jsonl'][i % 3]}`);
      return { file: `more-${i}`, fsPath, regular: true, argument: true };
    });
    beforeAll(() => {
      more.forEach((input, i) => {
        const records = recs(60 + i, `m${i}`);
        const path = (input as { fsPath: string }).fsPath;
        if (i % 3 === 0) writeFileSync(path, gzipSync(JSON.stringify({ Records: records })));
        else if (i % 3 === 1) writeFileSync(path, JSON.stringify({ Records: records }, null, 1));
        else writeFileSync(path, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
      });
    });
    const evaluator = new Evaluator(pack, { copies: 'each' });
    const how = { evaluator, ruleIndex: ruleIndexOf(pack), chunkSize: 16 };

    /** The main thread's share as replay runs it (only files it can read whole), and the files it read. */
    const mainThread = (read: string[], asked: string[] = []): InThread => async (input, push) => {
      const name = 'fsPath' in input ? input.file : input.unreadable;
      asked.push(name);
      const done = await evaluateFile(input, how, push, undefined, { wholeOnly: true });
      if (done) read.push(name);
      return done;
    };

    it('reads files no worker has started rather than wait, with the same results in the same order, on one worker thread fewer', async () => {
      const list = [...inputs, ...more];
      const read: string[] = [];
      const asked: string[] = [];
      const taken = new Set<string>();
      const ahead: number[] = [];
      const threads = new Set<number>();
      const onStart = (m: unknown) => threads.add((m as { threadId: number }).threadId);
      subscribe(WORKER_STARTED_CHANNEL, onStart);
      const share = mainThread(read, asked);
      try {
        const { kinds, seen } = await pooled(
          list,
          2,
          async (input, push) => {
            const done = await share(input, push);
            // Files read ahead of their turn and not yet taken, this one included.
            if (done) ahead.push(read.filter((f) => !taken.has(f)).length);
            return done;
          },
          (i) => {
            const input = list[i] as TrailInput;
            if ('fsPath' in input) taken.add(input.file);
          },
        );
        expect(kinds).toEqual(list.map((i) => ('fsPath' in i && i.regular ? 'chunks' : 'main')));
        expect(seen).toEqual(await inThisThread(list));
      } finally {
        unsubscribe(WORKER_STARTED_CHANNEL, onStart);
      }
      expect(threads.size).toBe(1);
      // The worker takes tenths of a second to start: the main thread does not wait for it. The
      // first file is a worker's (handed out as soon as it is walked), no file is read twice, and
      // the main thread reads only files it can read whole (gzip documents here), handing the others
      // (pretty-printed, JSON Lines) back to the worker, and at most MAX_READ_AHEAD ahead of their turn.
      expect(read.length).toBeGreaterThan(0);
      expect(read).not.toContain('a');
      expect(new Set(read).size).toBe(read.length);
      expect(read.every((f) => /^more-(0|3|6|9)$/.test(f))).toBe(true);
      expect(asked.some((f) => !read.includes(f))).toBe(true);
      expect(Math.max(...ahead)).toBeLessThanOrEqual(MAX_READ_AHEAD);
    });

    it('reads at most MAX_READ_AHEAD files ahead of their turn, and that many, while a worker is slow on an earlier file', async () => {
      // One worker thread; the first file is big (the worker starts up and reads it for tenths of a
      // second), the rest small: the main thread takes files after the ones the worker holds until
      // its results would pile up past the bound, and then waits.
      const slow: TrailInput[] = Array.from({ length: 16 }, (_, i) => {
        const fsPath = join(dir, `slow-${i}.json.gz`);
        writeFileSync(fsPath, gzipSync(JSON.stringify({ Records: recs(i === 0 ? 8_000 : 20, `s${i}`) })));
        return { file: `slow-${i}`, fsPath, regular: true, argument: true };
      });
      const read: string[] = [];
      const taken = new Set<string>();
      const ahead: number[] = [];
      const share = mainThread(read);
      const { seen } = await pooled(
        slow,
        2,
        async (input, push) => {
          const done = await share(input, push);
          if (done) ahead.push(read.filter((f) => !taken.has(f)).length);
          return done;
        },
        (i) => taken.add((slow[i] as { file: string }).file),
      );
      expect(seen).toEqual(await inThisThread(slow));
      expect(read).not.toContain('slow-0');
      expect(Math.max(...ahead)).toBe(MAX_READ_AHEAD);
    });

    it('leaves a file for the main thread when the workers could queue every file (two files, two threads)', async () => {
      const two = [more[0], more[3]] as TrailInput[];
      const read: string[] = [];
      const { seen } = await pooled(two, 2, mainThread(read));
      expect(seen).toEqual(await inThisThread(two));
      expect(read).toEqual(['more-3']);
    });

    it('ends the run with the failure when reading a file in the main thread fails (a bug, as a failed worker is)', async () => {
      const fail: InThread = async () => {
        throw new Error('boom');
      };
      await expect(pooled([...inputs, ...more], 2, fail)).rejects.toThrow(/reading a file in the main thread failed: Error: boom/);
    });
  });
});

describe('evaluateFile on files scanned as bytes and as text', () => {
  const cases: Array<[name: string, content: Buffer, scanned: 'bytes' | 'text' | 'none']> = [
    ['ascii.json.gz', gzipSync(JSON.stringify({ Records: recs(40, 'asc') })), 'bytes'],
    // A byte order mark: the document's bytes then start three bytes into the buffer (any alignment).
    ['bom.json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`  ${JSON.stringify({ Records: recs(30, 'bom') })} \n`)]), 'bytes'],
    ['array.json', Buffer.from(` ${JSON.stringify(recs(30, 'arr'))}`), 'bytes'],
    ['unicode.json.gz', gzipSync(JSON.stringify({ Records: recs(30, 'uni').map((r, i) => (i % 4 === 0 ? { ...r, userAgent: 'caf\u00e9 \u{1f600}' } : r)) })), 'text'],
    ['tab.json', Buffer.from(JSON.stringify({ Records: recs(20, 'tab') }).replace('"DetectFaces"', '"Detect\tFaces"')), 'none'],
  ];
  const inputs = cases.map(([name, content]): TrailInput => {
    const fsPath = join(dir, `scan-${name}`);
    writeFileSync(fsPath, content);
    return { file: name, fsPath, regular: true, argument: true };
  });

  it('scans an ASCII file from its bytes, any other from its text, and either gives what parsing the file gives', async () => {
    const evaluator = new Evaluator(pack, { copies: 'each' });
    const how = { evaluator, ruleIndex: ruleIndexOf(pack), chunkSize: 16 };
    for (const [i, input] of inputs.entries()) {
      const scanned = (cases[i] as (typeof cases)[number])[2];
      const file = await scanFile(input, undefined);
      const { raw } = file;
      expect(raw === null ? 'none' : raw.bytes ? 'bytes' : 'text').toBe(scanned);
      // Count reads of the decoded text from here on: a file scanned as bytes is never decoded.
      let decoded = 0;
      if (file.text) {
        const whole = file.text;
        const text = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(whole), 'text')?.get;
        Object.defineProperty(whole, 'text', { get: () => (decoded++, text?.call(whole)) });
      }
      const seen: Seen = [];
      await evaluateFile(input, how, (chunk) => {
        for (const x of chunkItems(chunk, alertFor)) {
          if ('item' in x) {
            if (x.item.kind !== 'bytes') seen.push([x.item.file, described(x.item)]);
          } else {
            seen.push([x.where, x.evaluated]);
          }
        }
      }, Promise.resolve(file));
      // (The count sees reads: a file the scan did not take is parsed from its text.)
      if (scanned === 'bytes') expect(decoded).toBe(0);
      if (scanned === 'none') expect(decoded).toBeGreaterThan(0);
      expect(seen).toEqual(await inThisThread([input]));
      expect(seen.filter(([, e]) => typeof e !== 'string' && e.status === 'inScope' && e.alerts.length > 0).length).toBeGreaterThan(0);
    }
  });
});
