/**
 * The rekwatch CLI. Commands are small modules; this file only parses arguments.
 * Exit codes: 0 ok, 1 invalid rules or failing tests, 2 usage error or no readable input.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { processIo, type CliIo } from './io';
import { muteCommand, mutesCommand, unmuteCommand } from './mutes';
import { redriveCommand, type RedriveClients } from './redrive';
import { replayCommand } from './replay';
import { serveCommand } from './serve';
import { testCommand } from './test-rules';
import { validateCommand } from './validate';
import { watchCommand } from './watch';

const collect = (value: string, previous: string[] = []) => [...previous, value];

function count(min: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min) throw new InvalidArgumentError(`must be a whole number of at least ${min}`);
    return Number(value);
  };
}

/** AWS clients for commands that need them, loaded only when such a command runs. */
async function defaultAwsClients(region?: string): Promise<RedriveClients> {
  const [{ SQSClient }, { LambdaClient }] = await Promise.all([import('@aws-sdk/client-sqs'), import('@aws-sdk/client-lambda')]);
  return { sqs: new SQSClient({ region }), lambda: new LambdaClient({ region }) };
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
): Promise<number> {
  let code = 0;
  // A reader that goes away (`rekwatch replay ... | head`) is not an error worth a stack trace.
  for (const stream of [io.stdout, io.stderr]) stream.on('error', () => undefined);
  const program = new Command('rekwatch')
    .description('Alerts on Amazon Rekognition API calls recorded by AWS CloudTrail: validate, test and backtest rules; watch trail logs and deliver alerts; mute noisy ones.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError();

  const rulesOption = () => new Option('--rules <dir>', 'rules directory').default('rules');
  const configOption = () =>
    new Option('--config <file>', "deployment config file: its list overrides (and event sources) apply, as in the deployed stack");
  const sourceOption = () =>
    new Option('--event-source <name>', "eventSource to evaluate (repeatable; '*' for every service)").argParser(collect);

  program
    .command('validate')
    .description('check every rule and list file, and the pack conventions; report all problems as FILE: field: message')
    .addOption(rulesOption())
    .addOption(configOption())
    .option('--strict', 'warnings (pack conventions, empty lists, unknown operations) fail too, as in the repository\'s npm test')
    .action((opts) => {
      code = validateCommand(opts, io);
    });

  program
    .command('test')
    .description("run every rule's test cases")
    .addOption(rulesOption())
    .addOption(configOption())
    .addOption(sourceOption())
    .action(async (opts) => {
      code = await testCommand(opts, io);
    });

  program
    .command('replay')
    .description('backtest the rules over CloudTrail logs (files, directories, or - for stdin)')
    .argument('<paths...>', 'trail log files (.json, .json.gz, .jsonl, .jsonl.gz), directories, or -')
    .addOption(rulesOption())
    .addOption(configOption())
    .addOption(sourceOption())
    .option('--json', 'one alert per line on stdout; a JSON summary as the last line of stderr')
    .option('--top <n>', 'principals and source IPs listed per rule in the report', count(1), 5)
    .option('--max-alerts <n>', 'alerts printed in full in the readable report', count(0), 100)
    .option('--deliver', 'also deliver alerts to the channels in .rekwatch/channels.json / --channels, or REKWATCH_SLACK_WEBHOOK_URL / REKWATCH_SMTP_URL (see README)')
    .option('--channels <file>', 'local channels file (default: $REKWATCH_CHANNELS, or channels.json in the state dir)')
    .option('--state-dir <dir>', 'state directory: live mutes and channels (default: $REKWATCH_STATE_DIR or .rekwatch)')
    .option('--table <name>', "apply the live mutes in the deployed stack's state table instead of the local ones")
    .option('--stack <name>', "like --table, with the table found from the deployed stack's outputs")
    .option('--no-mutes', 'ignore mutes: show every alert the rules produce')
    .option('--no-dedupe', "ignore rules' dedupe windows")
    .option('--mute-url <url>', 'put signed mute links to this mute page (rekwatch serve) in delivered alerts (default: $REKWATCH_MUTE_URL)')
    .option('--deliver-file <path>', 'also append each alert as a JSON line to this file')
    .action(async (paths: string[], opts) => {
      code = await replayCommand(paths, opts, io);
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
    .action(async (dir: string, opts) => {
      code = await untilInterrupted((signal) => watchCommand(dir, { ...opts, signal }, io));
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
      code = await muteCommand(rule, opts, io);
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
      code = await unmuteCommand(id, opts, io);
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
      code = await mutesCommand(opts, io);
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
      code = await untilInterrupted((signal) => serveCommand({ ...opts, signal }, io));
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
      code = await redriveCommand(opts, io, await aws(regionOfQueueUrl(opts.queueUrl) ?? process.env.AWS_REGION));
    });

  try {
    await program.parseAsync([...argv], { from: 'node' });
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? 0 : 2;
    }
    throw e;
  }
  return code;
}
