/**
 * Turns replay's inputs into one stream of TrailItem batches, the shape `readTrail` yields, in the
 * order given: local paths (files, directories, `-`; consecutive ones read by one `readTrail`, so a
 * directory named twice is still read once), `s3://BUCKET/PREFIX` (s3-trail.ts), then CloudTrail
 * Event history when asked for (lookup-events.ts). The readers of S3 and Event history come from the
 * caller (which creates the AWS clients), so nothing here loads the AWS SDK unless it is used.
 */
import type { Readable } from 'node:stream';
import { parseS3Url } from '../../core/input/trail-keys';
import { readTrail, type ReadTrailOptions, type TrailItem } from '../trail-reader';

export type SourceInput = { kind: 'paths'; paths: string[] } | { kind: 's3'; bucket: string; prefix: string } | { kind: 'lookup-events' };

/** replay's PATH arguments (and --lookup-events) as sources; a malformed s3:// URL is a usage error. */
export function sourceInputs(paths: readonly string[], lookupEvents: boolean): { ok: true; inputs: SourceInput[] } | { ok: false; reason: string } {
  const inputs: SourceInput[] = [];
  for (const p of paths) {
    const s3 = parseS3Url(p);
    if (s3 === null) {
      const last = inputs[inputs.length - 1];
      if (last?.kind === 'paths') last.paths.push(p);
      else inputs.push({ kind: 'paths', paths: [p] });
    } else if (!s3.ok) {
      return { ok: false, reason: s3.reason };
    } else {
      inputs.push({ kind: 's3', bucket: s3.bucket, prefix: s3.prefix });
    }
  }
  if (lookupEvents) inputs.push({ kind: 'lookup-events' });
  return { ok: true, inputs };
}

export interface SourceReaders {
  stdin: Readable;
  cwd: string;
  options: ReadTrailOptions;
  s3: (bucket: string, prefix: string) => AsyncIterable<TrailItem[]>;
  lookupEvents: () => AsyncIterable<TrailItem[]>;
}

export async function* readSources(inputs: readonly SourceInput[], readers: SourceReaders): AsyncGenerator<TrailItem[]> {
  for (const input of inputs) {
    if (input.kind === 'paths') yield* readTrail(input.paths, readers.stdin, readers.cwd, readers.options);
    else if (input.kind === 's3') yield* readers.s3(input.bucket, input.prefix);
    else yield* readers.lookupEvents();
  }
}
