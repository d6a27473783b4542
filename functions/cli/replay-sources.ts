/**
 * Where `rekwatch replay` reads history from: local paths, `s3://BUCKET/PREFIX` (a trail bucket read
 * in place) and `--lookup-events` (CloudTrail Event history), with `--since/--until`,
 * `--accounts`, `--regions` and `--endpoint-url`. `sourceSpec` checks the options (a usage error
 * otherwise); `readInputs` creates the AWS clients from the command's environment (region, keys,
 * `AWS_ENDPOINT_URL_S3`/`_CLOUDTRAIL`, as state.ts does; the SDK's default chain otherwise), loading
 * the SDK only for the sources used, and yields what the trail reader yields.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { readSources, sourceInputs, type SourceInput } from '../adapters/sources/sources';
import { readTrail, type ReadTrailOptions, type TrailItem } from '../adapters/trail-reader';
import { parseTimeArg } from '../core/common/duration';
import { lookupStreams } from '../core/input/lookup-streams';
import { isAccountId, isRegionName, type TrailKeyFilter } from '../core/input/trail-keys';
import type { Evaluator } from '../core/match/evaluator';
import type { CliIo } from './io';
import { awsClientConfig, trailBucketClientConfig } from './state';

export interface SourceArgs {
  since?: string;
  until?: string;
  accounts?: string[];
  regions?: string[];
  lookupEvents?: boolean;
  endpointUrl?: string;
}

export interface SourceSpec {
  inputs: SourceInput[];
  filter: TrailKeyFilter;
  /** The clock's now when the options were read (durations are back from it). */
  now: number;
  regions?: string[];
  endpointUrl?: string;
}

/** Event history keeps 90 days. */
const EVENT_HISTORY_MS = 90 * 86_400_000;

/** `--accounts a,b --accounts c` -> [a, b, c]. */
export function listArg(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((v) => v.trim()).filter(Boolean)];
}

/** The history options checked, or why not (a usage error); `notes` say what does not apply. */
export function sourceSpec(paths: readonly string[], args: SourceArgs, now: number): { ok: true; spec: SourceSpec; notes: string[] } | { ok: false; reason: string } {
  if (paths.length === 0 && !args.lookupEvents) return { ok: false, reason: "missing required argument 'paths' (or --lookup-events)" };
  const inputs = sourceInputs(paths, args.lookupEvents === true);
  if (!inputs.ok) return inputs;
  const filter: TrailKeyFilter = {};
  for (const [option, text] of [['--since', args.since], ['--until', args.until]] as const) {
    if (text === undefined) continue;
    const at = parseTimeArg(text, now, option);
    if (!at.ok) return at;
    filter[option === '--since' ? 'since' : 'until'] = at.at;
  }
  if (filter.since !== undefined && filter.until !== undefined && filter.since > filter.until) return { ok: false, reason: `--since ${args.since} is after --until ${args.until}` };
  const badAccount = args.accounts?.find((a) => !isAccountId(a));
  if (badAccount !== undefined) return { ok: false, reason: `--accounts ${badAccount}: not a 12-digit account id` };
  const badRegion = args.regions?.find((r) => !isRegionName(r));
  if (badRegion !== undefined) return { ok: false, reason: `--regions ${badRegion}: not a region name like us-east-1` };
  if (args.accounts?.length) filter.accounts = new Set(args.accounts);
  if (args.regions?.length) filter.regions = new Set(args.regions);

  const notes: string[] = [];
  const s3 = inputs.inputs.some((i) => i.kind === 's3');
  const bounded = filter.since !== undefined || filter.until !== undefined || filter.accounts !== undefined || filter.regions !== undefined;
  if (bounded && !s3 && !args.lookupEvents) notes.push('rekwatch replay: --since, --until, --accounts and --regions select s3:// objects and --lookup-events; local files are read whole');
  if (args.lookupEvents && filter.accounts && !s3) notes.push('rekwatch replay: --accounts selects s3:// objects only; --lookup-events reads the account of the credentials');
  if (args.lookupEvents && filter.since !== undefined && filter.since < now - EVENT_HISTORY_MS) notes.push('rekwatch replay: CloudTrail Event history keeps 90 days; --lookup-events reads what is left of the range');
  if (args.endpointUrl !== undefined && !s3) notes.push('rekwatch replay: --endpoint-url applies to s3:// inputs only');
  return {
    ok: true,
    spec: { inputs: inputs.inputs, filter, now, ...(args.regions?.length ? { regions: args.regions } : {}), ...(args.endpointUrl ? { endpointUrl: args.endpointUrl } : {}) },
    notes,
  };
}

/**
 * replay's input: the sources of `spec` (local paths alone without one). `status` shows Event
 * history progress (stream, page, throttling) on a terminal.
 */
export async function* readInputs(
  paths: readonly string[],
  spec: SourceSpec | undefined,
  evaluator: Evaluator,
  io: CliIo,
  options: ReadTrailOptions,
  status?: (text: string) => void,
): AsyncGenerator<TrailItem[]> {
  if (!spec) {
    yield* readTrail(paths, io.stdin, io.cwd, options);
    return;
  }
  const env = io.env ?? process.env;
  const now = io.now ?? Date.now;
  const sleep = io.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let s3: S3Client | undefined;
  const trails: CloudTrailClient[] = [];
  try {
    yield* readSources(spec.inputs, {
      stdin: io.stdin,
      cwd: io.cwd,
      options,
      s3: async function* (bucket, prefix) {
        const [{ S3Client: Client }, { readS3Trail }] = [require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3'), require('../adapters/sources/s3-trail') as typeof import('../adapters/sources/s3-trail')]; // require: see replay.ts onAws
        s3 ??= new Client(trailBucketClientConfig(env, spec.endpointUrl));
        yield* readS3Trail(s3, bucket, prefix, { filter: spec.filter, now: spec.now, maxRecordBytes: options.maxRecordBytes });
      },
      lookupEvents: async function* () {
        const config = awsClientConfig(env, 'AWS_ENDPOINT_URL_CLOUDTRAIL');
        const regions = spec.regions ?? (config.region ? [config.region as string] : []);
        if (regions.length === 0) {
          yield [{ kind: 'unreadable', file: 'LookupEvents', reason: 'no region: set AWS_REGION or give --regions', argument: true }];
          return;
        }
        const streams = lookupStreams(evaluator.eventNames, evaluator.eventSourceScope);
        if (streams.length === 0) {
          yield [{ kind: 'unreadable', file: 'LookupEvents', reason: 'no enabled rule can match any event: nothing to look up', argument: true }];
          return;
        }
        const [{ CloudTrailClient: Client }, { readLookupEvents }] = [require('@aws-sdk/client-cloudtrail') as typeof import('@aws-sdk/client-cloudtrail'), require('../adapters/sources/lookup-events') as typeof import('../adapters/sources/lookup-events')];
        yield* readLookupEvents({
          regions,
          streams,
          ...(spec.filter.since !== undefined ? { startTime: spec.filter.since } : {}),
          ...(spec.filter.until !== undefined ? { endTime: spec.filter.until } : {}),
          // Every attempt is paced and backed off here, not again by the SDK.
          client: (region) => {
            const c = new Client({ ...config, region, maxAttempts: 1 });
            trails.push(c);
            return c;
          },
          now,
          sleep,
          ...(status ? { status } : {}),
        });
      },
    });
  } finally {
    (s3 as S3Client | undefined)?.destroy();
    for (const c of trails) c.destroy();
  }
}
