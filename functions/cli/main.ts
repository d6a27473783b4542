/**
 * The rekwatch CLI. Commands are small modules; this file only parses arguments.
 * Exit codes: 0 ok, 1 invalid rules, failing tests or a `diff --fail-on` change, 2 usage error or no readable input.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_MAX_RECORD_BYTES } from '../adapters/trail-reader';
import { didYouMean } from '../core/common/did-you-mean';
import type { CoverageClients } from './coverage';
import { packageRoot } from '../adapters/package-root';
import { parseDuration } from '../core/common/duration';
import { processIo, writeLine, type CliIo } from './io';
import type { RedriveClients } from './redrive';

// Each command's module (and the libraries behind it: json-rules-engine, the AWS SDK, dynalite) is
// loaded when that command runs, so `rekwatch --help` and usage errors start fast. `require`, not
// `import()`: tsx's CommonJS hook (bin/rekwatch from a checkout) does not see dynamic imports of
// TypeScript files, and esbuild evaluates a required module of the bundle only when it is required.
const load = <T>(get: () => T) => async (): Promise<T> => get();
/** The modules of the commands, loaded on first use (exported for the test that loads each from the sources). */
export const commands = {
  coverage: load(() => require('./coverage') as typeof import('./coverage')),
  diff: load(() => require('./diff') as typeof import('./diff')),
  init: load(() => require('./init') as typeof import('./init')),
  mutes: load(() => require('./mutes') as typeof import('./mutes')),
  redrive: load(() => require('./redrive') as typeof import('./redrive')),
  replay: load(() => require('./replay') as typeof import('./replay')),
  replaySources: load(() => require('./replay-sources') as typeof import('./replay-sources')),
  serve: load(() => require('./serve') as typeof import('./serve')),
  test: load(() => require('./test-rules') as typeof import('./test-rules')),
  validate: load(() => require('./validate') as typeof import('./validate')),
  watch: load(() => require('./watch') as typeof import('./watch')),
};

/** `--accounts`/`--regions` values (replay-sources.ts `listArg`, loaded only when the option is given). */
const listArg = (value: string, previous?: string[]): string[] =>
  (require('./replay-sources') as typeof import('./replay-sources')).listArg(value, previous);

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The package's version, for `--version`. */
function version(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Services whose CloudTrail eventSource people reach for first (did-you-mean for `--event-source`). */
const COMMON_EVENT_SOURCES = ['rekognition', 's3', 'iam', 'sts', 'kms', 'ec2', 'lambda', 'dynamodb', 'sns', 'sqs', 'cloudtrail', 'secretsmanager', 'signin', 'sagemaker', 'bedrock', 'textract', 'comprehend', 'organizations'].map((s) => `${s}.amazonaws.com`);

/**
 * An `--event-source` value: `*`, or a CloudTrail eventSource, which is a host name
 * (`rekognition.amazonaws.com`). A bare service name (`s3`) is refused with the full name suggested.
 */
export function eventSourceArg(value: string, previous: string[] = []): string[] {
  if (value !== '*' && !/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(value)) {
    const full = `${value.toLowerCase()}.amazonaws.com`;
    const hint = /^[a-z0-9-]+$/i.test(value) ? ` (did you mean "${full}"?)` : didYouMean(value, COMMON_EVENT_SOURCES);
    throw new InvalidArgumentError(`an eventSource is a host name like "rekognition.amazonaws.com", or '*'${hint}`);
  }
  return collect(value, previous);
}

/** A duration option (`15m`, `30d`) in ms. */
function durationArg(value: string): number {
  const ms = parseDuration(value);
  if (ms === null) throw new InvalidArgumentError('must be a duration like 90s, 15m, 1h or 30d');
  return ms;
}

function count(min: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min) throw new InvalidArgumentError(`must be a whole number of at least ${min}`);
    return Number(value);
  };
}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, kib: 1024, m: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gib: 1024 ** 3 };

/** A size in bytes, plain or with a binary unit (`1048576`, `512KiB`, `64MiB`; K, M, G mean the same), within [min, max]. */
function byteSize(min: number, max: number) {
  return (value: string): number => {
    const m = /^(\d+)\s*([a-z]*)$/i.exec(value.trim());
    const unit = m ? SIZE_UNITS[(m[2] as string).toLowerCase()] : undefined;
    const bytes = m && unit ? Number(m[1]) * unit : NaN;
    if (!(bytes >= min && bytes <= max)) throw new InvalidArgumentError(`must be a size from ${min / 1024}KiB to ${max / 1024 ** 2}MiB, in bytes or with KiB/MiB (e.g. 64MiB)`);
    return bytes;
  };
}

/** AWS clients for commands that need them, loaded only when such a command runs. */
async function defaultAwsClients(region?: string): Promise<RedriveClients> {
  const [{ SQSClient }, { LambdaClient }] = await Promise.all([import('@aws-sdk/client-sqs'), import('@aws-sdk/client-lambda')]);
  return { sqs: new SQSClient({ region }), lambda: new LambdaClient({ region }) };
}

/** Clients for `rekwatch coverage`, in the given (home) region and per covered region; loaded only when it runs. */
async function defaultCoverageClients(env: NodeJS.ProcessEnv, region?: string): Promise<CoverageClients> {
  const [{ CloudFormationClient }, { EventBridgeClient }, { DynamoDBClient }, { awsClientConfig }] = await Promise.all([
    import('@aws-sdk/client-cloudformation'),
    import('@aws-sdk/client-eventbridge'),
    import('@aws-sdk/client-dynamodb'),
    Promise.resolve(require('./state') as typeof import('./state')),
  ]);
  const config = (endpointVar: string, r?: string) => ({ ...awsClientConfig(env, endpointVar), ...(r ? { region: r } : {}) });
  return {
    cloudFormation: new CloudFormationClient(config('AWS_ENDPOINT_URL_CLOUDFORMATION', region)),
    eventBridge: (r) => new EventBridgeClient(config('AWS_ENDPOINT_URL_EVENTBRIDGE', r)),
    dynamodb: (r) => new DynamoDBClient(config('AWS_ENDPOINT_URL_DYNAMODB', r)),
  };
}

/** The region in an SQS queue URL (`https://sqs.eu-west-1.amazonaws.com/...`), if it has one. */
export function regionOfQueueUrl(url: string): string | undefined {
  return /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\//.exec(url)?.[1];
}

/** Runs a long-lived command until it ends or Ctrl-C / SIGTERM asks it to stop (it then ends cleanly). */
async function untilInterrupted(run: (signal: AbortSignal) => Promise<number>): Promise<number> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await run(controller.signal);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

export async function main(
  argv: readonly string[],
  io: CliIo = processIo(),
  aws: (region?: string) => Promise<RedriveClients> = defaultAwsClients,
  coverageAws: (env: NodeJS.ProcessEnv, region?: string) => Promise<CoverageClients> = defaultCoverageClients,
): Promise<number> {
  let code = 0;
  // A reader that goes away (`rekwatch replay ... | head`) is not an error worth a stack trace.
  for (const stream of [io.stdout, io.stderr]) stream.on('error', () => undefined);
  const program = new Command('rekwatch')
    .description('Alerts on Amazon Rekognition API calls recorded by AWS CloudTrail: validate, test and backtest rules; watch trail logs and deliver alerts; mute noisy ones.')
    .exitOverride()
    .version(version(), '-V, --version', 'print the version')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError("(run 'rekwatch --help' for the commands)");

  const rulesOption = () => new Option('--rules <dir>', 'rules directory').default('rules');
  const configOption = () =>
    new Option('--config <file>', "deployment config file: its list overrides (and event sources) apply, as in the deployed stack");
  const maxRecordSizeOption = () =>
    new Option('--max-record-size <size>', 'skip (and count as malformed, naming file and line) any record or JSON line larger than this')
      .argParser(byteSize(1024, 256 * 1024 ** 2))
      .default(DEFAULT_MAX_RECORD_BYTES, '64MiB');
  const sourceOption = () =>
    new Option('--event-source <name>', "eventSource to evaluate, like s3.amazonaws.com (repeatable; '*' for every service)").argParser(eventSourceArg);

  program
    .command('validate')
    .description('check every rule and list file, and the pack conventions; report all problems as FILE: field: message')
    .addOption(rulesOption())
    .addOption(configOption())
    .option('--strict', 'warnings (pack conventions, empty lists, unknown operations) fail too, as in the repository\'s npm test')
    .action(async (opts) => {
      code = (await commands.validate()).validateCommand(opts, io);
    });

  program
    .command('test')
    .description("run every rule's test cases")
    .addOption(rulesOption())
    .option('--rule <id>', "only this rule's cases (repeatable)", collect)
    .addOption(configOption())
    .addOption(sourceOption())
    .action(async (opts) => {
      code = await (await commands.test()).testCommand(opts, io);
    });

  const replay = program
    .command('replay')
    .description('backtest the rules over CloudTrail logs (files, directories, - for stdin, s3://BUCKET/PREFIX, or Event history with --lookup-events)')
    .argument('[paths...]', 'trail log files (.json, .json.gz, .jsonl, .jsonl.gz), directories, -, or s3://BUCKET/PREFIX (a trail bucket, read in place)')
    .addOption(rulesOption())
    .addOption(configOption())
    .addOption(sourceOption())
    .option('--json', 'one alert per line on stdout; a JSON summary as the last line of stderr')
    .option('--top <n>', 'principals and source IPs listed per rule in the report', count(1), 5)
    .option('--max-alerts <n>', 'alerts printed in full in the readable report', count(0), 100)
    .option('--html <file>', 'also write a self-contained HTML report (timelines, top values, held-back alerts, console links) to FILE')
    .addOption(maxRecordSizeOption())
    .option('--deliver', 'also deliver alerts to the channels in .rekwatch/channels.json / --channels, or REKWATCH_SLACK_WEBHOOK_URL / REKWATCH_SMTP_URL (see README)')
    .option('--channels <file>', 'local channels file (default: $REKWATCH_CHANNELS, or channels.json in the state dir)')
    .option('--state-dir <dir>', 'state directory: live mutes and channels (default: $REKWATCH_STATE_DIR or .rekwatch)')
    .option('--table <name>', "apply the live mutes in the deployed stack's state table instead of the local ones")
    .option('--stack <name>', "like --table, with the table found from the deployed stack's outputs; with --on-aws, the stack that runs the backtest")
    .option('--no-mutes', 'ignore mutes: show every alert the rules produce')
    .option('--no-dedupe', "ignore rules' dedupe windows")
    .option('--mute-url <url>', 'put signed mute links to this mute page (rekwatch serve) in delivered alerts (default: $REKWATCH_MUTE_URL)')
    .option('--deliver-file <path>', 'also append each alert as a JSON line to this file')
    .option('--lookup-events', 'also read CloudTrail Event history (LookupEvents: management events of the last 90 days, no trail needed)')
    .option('--since <time>', 's3:// and --lookup-events: events since TIME (ISO 8601, or 7d, 6h back)')
    .option('--until <time>', 's3:// and --lookup-events: events until TIME (ISO 8601, or a duration back from now)')
    .option('--accounts <ids>', 's3://: only these accounts (comma-separated or repeated)', listArg)
    .option('--regions <names>', 's3://: only these regions; --lookup-events: the regions to read (default $AWS_REGION)', listArg)
    .option('--endpoint-url <url>', 's3://: an S3-compatible endpoint (path-style addressing)')
    .option('--workers <n>', 'threads reading and evaluating files (default: the available parallelism; 1: all in one thread; same output either way)', count(1))
    .option('--on-aws', 's3://: evaluate on the --stack\'s Step Functions fan-out (deployed with -c backtest=true), same report; prints the estimated cost and asks first')
    .option('--yes', '--on-aws: start without asking')
    .option('--batch-objects <n>', '--on-aws: most trail objects per worker batch (default 1000; batches also stop at 128 MiB)', count(1))
    .option('--lateness <duration>', 'stateful rules (threshold, firstSeen): how far input may be out of event-time order, e.g. 15m (default); later input is counted as late', durationArg)
    .option('--first-seen-memory <duration>', 'how long firstSeen remembers a value, e.g. 30d (default)', durationArg)
    .action(async (paths: string[], opts) => {
      const sources = (await commands.replaySources()).sourceSpec(paths, opts, (io.now ?? Date.now)());
      if (!sources.ok) return replay.error(`error: ${sources.reason}`, { exitCode: 2, code: 'rekwatch.usage' });
      for (const n of sources.notes) writeLine(io.stderr, n);
      code = await (await commands.replay()).replayCommand(paths, { ...opts, sources: sources.spec }, io);
    });

  program
    .command('diff')
    .description('review a rule change by its alerts: replay the base and head rules over the same logs (read once) and report the alerts that appear and vanish')
    .argument('<paths...>', 'trail log files (.json, .json.gz, .jsonl, .jsonl.gz), directories, or -')
    .addOption(new Option('--base <ref>', 'base rules: the --rules directory as committed at this git ref, read from git (default: HEAD)').conflicts('baseRules'))
    .option('--base-rules <dir>', 'base rules: another rules directory, instead of --base')
    .addOption(new Option('--rules <dir>', 'head rules directory: the change under review').default('rules'))
    .addOption(configOption())
    .addOption(sourceOption())
    .addOption(new Option('--format <format>', 'readable text, or markdown for a pull-request comment').choices(['text', 'markdown']).default('text'))
    .option('--json', 'one line per changed alert on stdout; a JSON summary as the last line of stderr')
    .addOption(new Option('--fail-on <what>', 'exit 1 when alerts appear (new), or when anything changes (any); rule errors count too').choices(['new', 'any']))
    .option('--examples <n>', 'appeared and vanished alerts shown per rule', count(0), 5)
    .option('--html <file>', 'also write a self-contained HTML report of the diff to FILE')
    .addOption(maxRecordSizeOption())
    .action(async (paths: string[], opts) => {
      code = await (await commands.diff()).diffCommand(paths, opts, io);
    });

  program
    .command('watch')
    .description('follow a directory where trail log files arrive; deliver new alerts within seconds')
    .argument('<dir>', 'directory to watch (e.g. an `aws s3 sync` target)')
    .addOption(rulesOption())
    .addOption(configOption())
    .addOption(sourceOption())
    .option('--state-dir <dir>', 'where processed files are remembered (default: $REKWATCH_STATE_DIR or .rekwatch)')
    .option('--interval <seconds>', 'how often to look for new files', count(1), 2)
    .option('--mute-url <url>', 'put signed mute links to this mute page (rekwatch serve) in delivered alerts (default: $REKWATCH_MUTE_URL)')
    .option('--channels <file>', 'local channels file (default: $REKWATCH_CHANNELS, or channels.json in the state dir)')
    .option('--deliver-file <path>', 'also append each alert as a JSON line to this file')
    .option('--from-start', 'also deliver the alerts in files already in DIR (by default a new state starts from now)')
    .option('--since <time>', 'also deliver alerts of events since TIME (ISO 8601, or 6h, 2d back) from files already in DIR')
    .option('--no-mutes', 'ignore mutes: deliver every alert the rules produce')
    .addOption(maxRecordSizeOption())
    .option('--lateness <duration>', 'stateful rules (threshold, firstSeen): how far input may be out of event-time order, e.g. 15m (default); later input is counted as late', durationArg)
    .option('--first-seen-memory <duration>', 'how long firstSeen remembers a value, e.g. 30d (default)', durationArg)
    .action(async (dir: string, opts) => {
      code = await untilInterrupted(async (signal) => (await commands.watch()).watchCommand(dir, { ...opts, signal }, io));
    });

  const stateDirOption = () => new Option('--state-dir <dir>', 'local state directory (default: $REKWATCH_STATE_DIR or .rekwatch)');
  const tableOption = () => new Option('--table <name>', "the deployed stack's state table (StateTableName output) instead of the local store");
  const stackOption = () => new Option('--stack <name>', "the deployed stack (its StateTableName output names the table), instead of the local store");

  program
    .command('mute')
    .description('stop delivering alerts of a rule (or * for all), optionally only for a principal, IP, account or event, until an expiry')
    .argument('<rule>', 'rule id, or * for every rule')
    .option('--principal <arn>', 'principal ARN or glob (arn:aws:sts::111122223333:assumed-role/ci-*)')
    .option('--ip <ip-or-cidr>', 'source IP or CIDR')
    .option('--account <id>', '12-digit account id')
    .option('--event-name <name>', 'CloudTrail eventName')
    .option('--for <duration>', 'how long: 30m, 4h, 2d (default 24h; the maximum is mutes.maxDuration in --config, 30d otherwise)')
    .option('--until <time>', 'until an ISO 8601 time instead')
    .option('--reason <text>', 'why (required; kept in the audit record)')
    .option('--by <name>', 'who is muting (default: $REKWATCH_USER or user@host)')
    .option('--json', 'print the mute as one JSON line')
    .addOption(rulesOption())
    .addOption(configOption())
    .addOption(stateDirOption())
    .addOption(tableOption())
    .addOption(stackOption())
    .action(async (rule: string, opts) => {
      code = await (await commands.mutes()).muteCommand(rule, opts, io);
    });

  program
    .command('unmute')
    .description('end a mute now (it stays on record)')
    .argument('<id>', 'mute id (from rekwatch mutes)')
    .option('--by <name>', 'who is unmuting (default: $REKWATCH_USER or user@host)')
    .option('--json', 'print the ended mute as one JSON line')
    .addOption(stateDirOption())
    .addOption(tableOption())
    .addOption(stackOption())
    .action(async (id: string, opts) => {
      code = await (await commands.mutes()).unmuteCommand(id, opts, io);
    });

  program
    .command('mutes')
    .description('list live mutes with time left and alerts suppressed; --all for the history')
    .option('--all', 'every mute on record, ended ones included')
    .option('--json', 'one mute per line as JSON')
    .addOption(stateDirOption())
    .addOption(tableOption())
    .addOption(stackOption())
    .action(async (opts) => {
      code = await (await commands.mutes()).mutesCommand(opts, io);
    });

  program
    .command('serve')
    .description('serve the mute page on loopback, for the mute links in locally delivered alerts')
    .option('--port <n>', 'port', count(0), 8787)
    .option('--host <host>', 'loopback address to listen on', '127.0.0.1')
    .addOption(rulesOption())
    .addOption(configOption())
    .addOption(stateDirOption())
    .action(async (opts) => {
      code = await untilInterrupted(async (signal) => (await commands.serve()).serveCommand({ ...opts, signal }, io));
    });

  program
    .command('redrive')
    .description('evaluate the events in the dead-letter queue again (re-invokes the deployed function)')
    .requiredOption('--queue-url <url>', 'the DeadLetterQueueUrl output of the stack')
    .option('--function <name>', 'the EvaluateFunctionName output of the stack (SlackForwarderFunctionName for the Slack dead-letter queue)')
    .option('--max <n>', 'at most this many messages', count(1), 1000)
    .option('--dry-run', 'evaluate locally with --rules and print what would alert; delete nothing')
    .addOption(rulesOption())
    .action(async (opts) => {
      code = await (await commands.redrive()).redriveCommand(opts, io, await aws(regionOfQueueUrl(opts.queueUrl) ?? process.env.AWS_REGION));
    });

  program
    .command('coverage')
    .description('prove a hub and spoke deploy covers every account and region: spokes, rule state, pattern == hub, heartbeats; exit 1 on any gap')
    .requiredOption('--stack <name>', 'the hub stack (its outputs say what should be covered)')
    .option('--region <region>', "the hub's home region, where the stack is (default: $AWS_REGION)")
    .option('--json', 'one JSON object per account × region on stdout; the counts as the last line of stderr')
    .option('--strict', 'also exit 1 when a cell could only be inferred (its rules are not readable from here)')
    .action(async (opts) => {
      const env = io.env ?? process.env;
      code = await (await commands.coverage()).coverageCommand(opts, io, await coverageAws(env, opts.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION));
    });

  program
    .command('init')
    .description("write a starter rules folder: a copy of the default rule pack, or one example rule and its lists (--example)")
    .argument('[dir]', 'where to write it', 'rules')
    .option('--example', 'one example rule and the lists it uses, instead of the whole pack')
    .option('--force', 'overwrite files that exist (otherwise nothing is written when any does)')
    .action(async (dir: string, opts) => {
      code = (await commands.init()).initCommand(dir, opts, io);
    });

  // A usage error prints the error, the command's one usage line and where the options are listed,
  // not the whole help.
  for (const command of program.commands) {
    command.showHelpAfterError(`Usage: rekwatch ${command.name()} ${command.usage()}\n(run 'rekwatch ${command.name()} --help' for the options)`);
  }

  try {
    await program.parseAsync([...argv], { from: 'node' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.excessArguments') {
        const hint = rulesDirHint(program, argv);
        if (hint) io.stderr.write(`${hint}\n`);
      }
      return e.exitCode === 0 ? 0 : 2;
    }
    throw e;
  }
  return code;
}

/**
 * For `rekwatch validate rules` (a rules directory given as an argument to a command that takes it
 * as `--rules DIR`): the command line it most likely meant.
 */
function rulesDirHint(program: Command, argv: readonly string[]): string | undefined {
  const args = argv.slice(2);
  const at = args.findIndex((a) => !a.startsWith('-'));
  const command = at === -1 ? undefined : program.commands.find((c) => c.name() === args[at]);
  if (!command || command.registeredArguments.length > 0 || !command.options.some((o) => o.long === '--rules')) return undefined;
  // The operands commander took (option values are not among them).
  const extra = command.args.find((a) => !a.startsWith('-'));
  return extra === undefined ? undefined : `(to use the rules in ${JSON.stringify(extra)}: rekwatch ${command.name()} --rules ${extra})`;
}
