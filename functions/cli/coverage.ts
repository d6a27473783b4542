/**
 * `rekwatch coverage --stack NAME`: proves (or disproves) that every account × region a hub and
 * spoke deploy should cover is covered. Reads the hub stack's outputs (DescribeStacks), the hub
 * account's rules in every covered region (DescribeRule, ListTargetsByRule: one EventBridge client
 * per region), the spoke StackSet and its instances (DescribeStackSet, ListStackInstances with the
 * hub's CallAs, every page) and, with the heartbeat on, each cell's last heartbeat in the state table
 * (BatchGetItem); `functions/core/coverage/` decides what that proves. Clients are injected.
 *
 * Exit codes: 0 no gap; 1 a gap (or, with --strict, a cell that could only be inferred); 2 the
 * check could not start (no such stack, not a hub, AWS error reading the outputs).
 */
import { DescribeStacksCommand, DescribeStackSetCommand, ListStackInstancesCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { BatchGetItemCommand, type BatchGetItemCommandOutput, type DynamoDBClient, type KeysAndAttributes } from '@aws-sdk/client-dynamodb';
import { DescribeRuleCommand, ListTargetsByRuleCommand, type DescribeRuleCommandOutput, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { parseHubOutputs, spokeRulesOfTemplate, type HubDescription } from '../core/coverage/hub';
import {
  assessCoverage,
  expectedCells,
  heartbeatKeys,
  planReadings,
  type InstanceReading,
  type Reading,
  type RuleReading,
  type StackSetReading,
} from '../core/coverage/model';
import { countVerdicts, coverageJsonLines, renderCoverage } from '../core/coverage/report';
import { awsErrorLine } from './aws-error';
import { writeLine, type CliIo } from './io';

export interface CoverageOptions {
  stack: string;
  json?: boolean;
  strict?: boolean;
}

export interface CoverageClients {
  /** In the hub's home region. */
  cloudFormation: CloudFormationClient;
  /** One per covered region (the caller's credentials: the hub account). */
  eventBridge: (region: string) => EventBridgeClient;
  /** In the hub's home region, for heartbeats in the state table. */
  dynamodb: (region: string) => DynamoDBClient;
}

const message = (e: unknown) => {
  const err = e as { name?: string; message?: string };
  return `${err.name && err.name !== 'Error' ? `${err.name}: ` : ''}${(err.message ?? String(e)).split('\n')[0]}`;
};

async function readRules(client: EventBridgeClient, names: readonly string[]): Promise<RuleReading[]> {
  const out: RuleReading[] = [];
  for (const name of names) {
    let rule: DescribeRuleCommandOutput;
    try {
      rule = await client.send(new DescribeRuleCommand({ Name: name }));
    } catch (e) {
      if ((e as { name?: string }).name === 'ResourceNotFoundException') {
        out.push({ name, rule: null });
        continue;
      }
      throw e;
    }
    const targetArns: string[] = [];
    let next: string | undefined;
    do {
      const page = await client.send(new ListTargetsByRuleCommand({ Rule: name, ...(next ? { NextToken: next } : {}) }));
      for (const t of page.Targets ?? []) if (t.Arn) targetArns.push(t.Arn);
      next = page.NextToken;
    } while (next);
    let pattern: unknown = rule.EventPattern;
    try {
      pattern = JSON.parse(rule.EventPattern ?? 'null');
    } catch {
      // compared as the raw text: it will not equal the hub's
    }
    out.push({ name, rule: { state: rule.State ?? 'UNKNOWN', pattern, targetArns } });
  }
  return out;
}

async function readStackSet(client: CloudFormationClient, stackSet: NonNullable<HubDescription['stackSet']>, hub: HubDescription): Promise<StackSetReading> {
  const described = await client.send(new DescribeStackSetCommand({ StackSetName: stackSet.name, CallAs: stackSet.callAs }));
  const templateRules = spokeRulesOfTemplate(described.StackSet?.TemplateBody ?? '', hub.spokeRuleNames);
  const instances: InstanceReading[] = [];
  let next: string | undefined;
  do {
    const page = await client.send(new ListStackInstancesCommand({ StackSetName: stackSet.name, CallAs: stackSet.callAs, ...(next ? { NextToken: next } : {}) }));
    for (const s of page.Summaries ?? []) {
      if (!s.Account || !s.Region) continue;
      instances.push({
        account: s.Account,
        region: s.Region,
        status: s.Status ?? null,
        detailedStatus: s.StackInstanceStatus?.DetailedStatus ?? null,
        statusReason: s.StatusReason ?? null,
        driftStatus: s.DriftStatus ?? null,
        lastDriftCheck: s.LastDriftCheckTimestamp ? s.LastDriftCheckTimestamp.toISOString() : null,
      });
    }
    next = page.NextToken;
  } while (next);
  return { templateRules, instances };
}

/** BatchGetItem allows 100 keys a request; unprocessed keys are asked again (a few times). */
async function readHeartbeats(client: DynamoDBClient, tableName: string, keys: readonly string[]): Promise<Record<string, number>> {
  const found: Record<string, number> = {};
  for (let i = 0; i < keys.length; i += 100) {
    let request: Record<string, KeysAndAttributes> | undefined = {
      [tableName]: { Keys: keys.slice(i, i + 100).map((k) => ({ pk: { S: k } })), ProjectionExpression: 'pk, lastAt' },
    };
    for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
      if (attempt === 5) throw new Error('DynamoDB left keys unprocessed after 5 attempts (throttled?)');
      const out: BatchGetItemCommandOutput = await client.send(new BatchGetItemCommand({ RequestItems: request }));
      for (const item of out.Responses?.[tableName] ?? []) {
        const at = Number(item.lastAt?.N);
        if (item.pk?.S && Number.isFinite(at)) found[item.pk.S] = at;
      }
      request = out.UnprocessedKeys;
    }
  }
  return found;
}

const attempt = async <T>(read: () => Promise<T>): Promise<Reading<T>> => {
  try {
    return { ok: true, value: await read() };
  } catch (e) {
    return { ok: false, error: message(e) };
  }
};

export async function coverageCommand(opts: CoverageOptions, io: CliIo, clients: CoverageClients): Promise<number> {
  let outputs: Record<string, string>;
  try {
    const described = await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: opts.stack }));
    outputs = Object.fromEntries((described.Stacks?.[0]?.Outputs ?? []).flatMap((o) => (o.OutputKey && o.OutputValue !== undefined ? [[o.OutputKey, o.OutputValue]] : [])));
  } catch (e) {
    writeLine(io.stderr, awsErrorLine('coverage', e));
    return 2;
  }
  const parsed = parseHubOutputs(opts.stack, outputs);
  if (!parsed.ok) {
    writeLine(io.stderr, `rekwatch coverage: ${parsed.reason}`);
    return 2;
  }
  const hub = parsed.hub;

  const [regionReadings, stackSet] = await Promise.all([
    Promise.all(planReadings(hub).map(async ({ region, ruleNames }) => [region, await attempt(() => readRules(clients.eventBridge(region), ruleNames))] as const)),
    hub.stackSet ? attempt(() => readStackSet(clients.cloudFormation, hub.stackSet!, hub)) : Promise.resolve(null),
  ]);
  const heartbeats = hub.heartbeat
    ? await attempt(() => readHeartbeats(clients.dynamodb(hub.homeRegion), hub.heartbeat!.tableName, heartbeatKeys(expectedCells(hub, stackSet))))
    : null;
  const report = assessCoverage(hub, { hubAccount: Object.fromEntries(regionReadings), stackSet, heartbeats, now: (io.now ?? Date.now)() });

  if (opts.json) {
    for (const line of coverageJsonLines(report)) writeLine(io.stdout, line);
    for (const note of report.notes) writeLine(io.stderr, `note: ${note}`);
    writeLine(io.stderr, JSON.stringify(countVerdicts(report)));
  } else {
    for (const line of renderCoverage(hub, report)) writeLine(io.stdout, line);
  }
  const counts = countVerdicts(report);
  return counts.gap > 0 || (opts.strict && counts.inferred > 0) ? 1 : 0;
}
