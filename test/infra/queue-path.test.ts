/**
 * The queue path (EventBridge -> encrypted SQS queue -> the evaluate function in batches) and the
 * plain path (EventBridge -> the function), as synthesized: queue encryption and TLS, its own
 * dead-letter queue, the event source mapping (batch size, batching window, ReportBatchItemFailures,
 * maximum concurrency), the rule target, least-privilege IAM on both sides, alarms, outputs and
 * cdk-nag; the automatic choice between the two, the override and its errors, and the cost note.
 */
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { join } from 'node:path';
import { loadRulesDir } from '../../functions/adapters/rule-files';
import type { RuleDefinition, RulePack } from '../../functions/core/common/types';
import { ConfigError } from '../../functions/adapters/deploy-config';
import { directCost, queueCost, detectionCostNote } from '../../infra/detection-cost';
import { chooseDetectionPath, isStatefulRule } from '../../infra/detection-path';
import { build, ROOT } from './helpers';

const queued = build({ alertEmail: 'a@example.com', detectionPath: 'queue' }, { bundle: false });
const plain = build({ alertEmail: 'a@example.com' }, { bundle: false });
const q = queued.template;
const ref = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const idOf = (t: typeof q, type: string, props: Record<string, unknown>) => {
  const found = Object.keys(t.findResources(type, { Properties: Match.objectLike(props) }));
  expect(found).toHaveLength(1);
  return found[0]!;
};

function byPrefix(t: typeof q, type: string, prefix: string): string {
  const found = Object.keys(t.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe('the queue path', () => {
  const queueId = idOf(q, 'AWS::SQS::Queue', { RedrivePolicy: Match.anyValue() });
  const dlqId = byPrefix(q, 'AWS::SQS::Queue', 'EventQueueDeadLetterQueue');
  const targetDlqId = byPrefix(q, 'AWS::SQS::Queue', 'DetectionDeadLetterQueue');

  it('has an encrypted queue with its own dead-letter queue and a visibility timeout of six function timeouts plus the window', () => {
    q.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: ref(idOf(q, 'AWS::KMS::Key', {})),
      VisibilityTimeout: 6 * 30 + 5,
      MessageRetentionPeriod: 4 * 86400,
      RedrivePolicy: { deadLetterTargetArn: Match.objectLike({ 'Fn::GetAtt': [Match.stringLikeRegexp('^EventQueueDeadLetterQueue'), 'Arn'] }), maxReceiveCount: 5 },
    });
    q.resourceCountIs('AWS::SQS::Queue', 3); // the stack's target DLQ, the event queue and its DLQ
    for (const id of [queueId, dlqId]) {
      expect(q.toJSON().Resources[id].Properties.KmsMasterKeyId).toEqual(ref(idOf(q, 'AWS::KMS::Key', {})));
      q.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: { Statement: Match.arrayWith([{ Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } }, Effect: 'Deny', Principal: { AWS: '*' }, Resource: ref(id) }]) },
      });
    }
  });

  it('feeds the function through an event source mapping in batches, reporting batch item failures', () => {
    q.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    q.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: ref(queueId),
      FunctionName: { Ref: idOf(q, 'AWS::Lambda::Function', { Handler: 'index.handler', Description: Match.stringLikeRegexp('evaluates') }) },
      BatchSize: 500,
      MaximumBatchingWindowInSeconds: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: Match.absent(),
    });
    q.hasResourceProperties('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('evaluates'), Environment: { Variables: Match.objectLike({ BATCH_CONCURRENCY: '16' }) } });
  });

  it('targets the queue from the EventBridge rule, with the retry policy and the target dead-letter queue, and never the function', () => {
    const rules = q.findResources('AWS::Events::Rule');
    const ruleIds = Object.keys(rules);
    expect(ruleIds.length).toBeGreaterThan(0);
    for (const id of ruleIds) {
      expect(rules[id]!.Properties.Targets).toEqual([
        { Arn: ref(queueId), Id: 'Target0', DeadLetterConfig: { Arn: ref(targetDlqId) }, RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 } },
      ]);
    }
    // No resource policy lets EventBridge invoke the function directly.
    expect(Object.values(q.findResources('AWS::Lambda::Permission')).filter((p) => p.Properties.Principal === 'events.amazonaws.com')).toEqual([]);
  });

  it('lets EventBridge send to the queue only for its own rules, and the function only consume it', () => {
    const ruleIds = Object.keys(q.findResources('AWS::Events::Rule'));
    const policy = Object.values(q.findResources('AWS::SQS::QueuePolicy')).find((p) => JSON.stringify(p.Properties.Queues) === JSON.stringify([{ Ref: queueId }]))!;
    const allows = policy.Properties.PolicyDocument.Statement.filter((s: { Effect: string }) => s.Effect === 'Allow');
    expect(allows).toEqual(
      ruleIds.map((id) => ({ Sid: expect.stringMatching(/^EventBridgeRule/), Action: 'sqs:SendMessage', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Resource: ref(queueId), Condition: { ArnEquals: { 'aws:SourceArn': ref(id) } } })),
    );
    const statements = Object.values(q.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes('EvaluateRole'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>);
    const onQueue = statements.filter((s) => JSON.stringify(s.Resource) === JSON.stringify(ref(queueId)));
    expect(onQueue).toEqual([{ Effect: 'Allow', Action: ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueUrl', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], Resource: ref(queueId) }]);
    expect(statements.filter((s) => JSON.stringify(s.Resource).includes(dlqId))).toEqual([]); // the function never touches the queue's DLQ
  });

  it('alarms on the queue\'s dead letters and backlog, and outputs both queue URLs', () => {
    q.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }], Threshold: 1 });
    q.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmDescription: Match.stringLikeRegexp('oldest event in the rekwatch event queue'), Metrics: Match.arrayWith([Match.objectLike({ Expression: 'IF(age >= 600, 1, 0)' })]) });
    q.hasOutput('EventQueueUrl', { Value: { Ref: queueId } });
    q.hasOutput('EventQueueDeadLetterQueueUrl', { Value: { Ref: dlqId } });
  });

  it('caps the mapping at the reserved concurrency when there is one', () => {
    build({ detectionPath: 'queue', evaluateConcurrency: '20', queueBatchSize: '200' }, { bundle: false }).template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 200,
      ScalingConfig: { MaximumConcurrency: 20 },
    });
  });

  it('is cdk-nag clean', () => {
    const open = new AwsSolutionsChecks(queued.app).validateScope(queued.stack).violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.resourceLogicalId).join(', ')}`);
    expect(open).toEqual([]);
  });
});

describe('the plain path', () => {
  const t = plain.template;
  it('stays as it was for a pack with no stateful rule: the rule invokes the function, no queue, no mapping', () => {
    t.resourceCountIs('AWS::SQS::Queue', 1);
    t.resourceCountIs('AWS::Lambda::EventSourceMapping', 0);
    const fn = idOf(t, 'AWS::Lambda::Function', { Description: Match.stringLikeRegexp('evaluates') });
    for (const rule of Object.values(t.findResources('AWS::Events::Rule'))) {
      expect(rule.Properties.Targets).toEqual([expect.objectContaining({ Arn: ref(fn), RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 } })]);
    }
    t.hasResourceProperties('AWS::Lambda::Permission', { Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', FunctionName: ref(fn) });
    expect(t.findOutputs('EventQueueUrl')).toEqual({});
    expect(plain.stack.eventQueue).toBeUndefined();
  });

  it('says which path it took and what both cost, at synth', () => {
    const infos = (b: typeof plain) => Annotations.fromStack(b.stack).findInfo('*', Match.stringLikeRegexp('rekwatch: ')).map((m) => String(m.entry.data));
    expect(infos(plain)).toEqual(expect.arrayContaining(['rekwatch: plain path (auto): no stateful rule needs read-only calls', expect.stringMatching(/^rekwatch: cost per million Rekognition calls reaching the function \(512 MB arm64, batches of 500\): plain path \$0\.21 .*; queue path \$0\.48 .*SQS \$0\.48.*; stateful rules add DynamoDB on either path: ~\$0\.13 per million state reads and ~\$1\.25 per million writes/)]));
    expect(infos(queued)).toEqual(expect.arrayContaining(['rekwatch: queue path (detectionPath=queue)', expect.stringMatching(/cost per million .*: queue path \$.*; plain path \$/)]));
  });

  it('passes detectLateness and firstSeenMemory to the function, as replay takes --lateness and --first-seen-memory', () => {
    build({ detectLateness: '30m', firstSeenMemory: '7d' }, { bundle: false }).template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('evaluates'),
      Environment: { Variables: Match.objectLike({ DETECT_LATENESS_MS: '1800000', FIRST_SEEN_MEMORY_MS: '604800000' }) },
    });
    plain.template.hasResourceProperties('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('evaluates'), Environment: { Variables: Match.objectLike({ DETECT_LATENESS_MS: Match.absent(), FIRST_SEEN_MEMORY_MS: Match.absent() }) } });
    expect(() => build({ detectLateness: '2d' }, { bundle: false })).toThrow(new ConfigError('context detectLateness: "2d" must be a duration from 1s to 1d (like 15m)'));
    expect(() => build({ firstSeenMemory: 'soon' }, { bundle: false })).toThrow(/context firstSeenMemory: "soon" must be a duration/);
  });

  it('refuses a detectionPath or batch size it does not know', () => {
    expect(() => build({ detectionPath: 'sqs' }, { bundle: false })).toThrow(new ConfigError('context detectionPath: must be auto, queue, direct, got "sqs"'));
    expect(() => build({ detectionPath: 'queue', queueBatchSize: '5' }, { bundle: false })).toThrow(/context queueBatchSize: must be a whole number from 10 to 10000/);
  });
});

describe('choosing the path', () => {
  const pack = loadRulesDir(join(ROOT, 'rules')).pack;
  const rule = (over: Partial<RuleDefinition> & Record<string, unknown>): RuleDefinition => ({ ...pack.rules[0]!, id: 'r', enabled: true, dedupe: undefined, ...over }) as RuleDefinition;
  const withRules = (...rules: RuleDefinition[]): RulePack => ({ ...pack, rules: [...pack.rules, ...rules] });
  const searches = { all: [{ fact: 'eventName', operator: 'in', value: ['SearchFacesByImage', 'SearchUsersByImage'] }] };
  const deletes = { all: [{ fact: 'eventName', operator: 'equal', value: 'DeleteCollection' }] };
  const sources = ['rekognition.amazonaws.com'];

  it('knows a stateful rule by its threshold or a firstSeen condition', () => {
    expect(isStatefulRule(rule({ conditions: searches }))).toBe(false);
    expect(isStatefulRule(rule({ conditions: searches, threshold: { count: 20, window: '5m', windowMs: 300_000, by: ['principalArn'] } }))).toBe(true);
    expect(isStatefulRule(rule({ conditions: { all: [...deletes.all, { fact: 'firstSeen', path: '$.sourceIPAddress', operator: 'equal', value: true }] } }))).toBe(true);
  });

  it('takes the queue exactly when an enabled stateful rule can match read-only calls', () => {
    const burst = rule({ id: 'bulk-search', conditions: searches, threshold: { count: 20, window: '5m', windowMs: 300_000, by: ['principalArn'] } });
    expect(chooseDetectionPath(withRules(burst), 'auto', sources)).toEqual({ path: 'queue', statefulReadOnly: ['bulk-search'], reason: 'queue path (auto): stateful rules need read-only calls (bulk-search)' });
    // A write-only threshold, a disabled one, and a stateless read-only rule (root-user-activity, shipped) keep the plain path.
    const writes = rule({ id: 'mass-delete', conditions: deletes, threshold: { count: 5, window: '1h', windowMs: 3_600_000, by: ['principalArn'] } });
    expect(chooseDetectionPath(withRules(writes, { ...burst, enabled: false }), 'auto', sources).path).toBe('direct');
    expect(chooseDetectionPath(withRules(burst), 'direct', sources)).toMatchObject({ path: 'direct', reason: expect.stringContaining('although stateful rules need read-only calls (bulk-search)') });
    expect(chooseDetectionPath(withRules(writes), 'queue', sources).path).toBe('queue');
  });
});

describe('the cost model', () => {
  it('adds up each path to the dollars worked out by hand from the list prices', () => {
    // Plain path, 512 MB: $0.20 of requests; 1 ms billed (the minimum) x 0.5 GB x $0.0000133334 x 1e6 = $0.0066667.
    const d = directCost({ memoryMb: 512, batchSize: 500, directMsPerEvent: 0.2 });
    expect(d.lambdaRequests).toBeCloseTo(0.2, 9);
    expect(d.lambdaDuration).toBeCloseTo(0.0066667, 7);
    expect(d.total).toBeCloseTo(0.2066667, 7);
    // Queue path, batches of 500: 2,000 invocations ($0.0004); SQS 1.2 requests per event x $0.40 = $0.48;
    // each batch 500 x 0.1 ms scaled to a 512 MB share of a vCPU (x 1769/512) + 1 ms = 173.75 -> 174 ms billed,
    // 2,000 x 0.174 s x 0.5 GB x $0.0000133334 = $0.0023200.
    const qc = queueCost({ memoryMb: 512, batchSize: 500, batchMsPerEvent: 0.1, eventKb: 3 });
    expect(qc.sqs).toBeCloseTo(0.48, 9);
    expect(qc.lambdaRequests).toBeCloseTo(0.0004, 9);
    expect(qc.lambdaDuration).toBeCloseTo(0.00232001, 7);
    // State: one read (3 KB: 1 RRU, $0.125) and one write (3 WRU, $1.875) per event.
    const s = directCost({ memoryMb: 512, batchSize: 500, stateReadsPerEvent: 1, stateWritesPerEvent: 1, stateItemKb: 3 });
    expect(s.dynamo).toBeCloseTo(2.0, 9);
    expect(detectionCostNote('direct', { memoryMb: 512, batchSize: 500 })).toMatch(/^cost per million .*: plain path .*; queue path .*check current prices$/);
  });
});

describe('the queue path in an organization hub', () => {
  // The hub bus's rules (events forwarded from other regions and accounts) go in the same way as the
  // home region's: through the queue, never straight to the function, when the stack has a queue.
  const hub = build(
    { account: '111122223333', region: 'us-east-1', regions: 'us-east-1,eu-west-1', organizationId: 'o-abc123defg', organizationalUnitIds: 'r-ab12', alertEmail: 'a@example.com', detectionPath: 'queue' },
    { bundle: false },
  ).template;
  const cloudTrailRules = Object.values(hub.findResources('AWS::Events::Rule')).filter((r) => JSON.stringify(r.Properties.EventPattern).includes('AWS API Call via CloudTrail'));

  it('targets the event queue from the hub bus rules as from the default bus rules', () => {
    const queueId = Object.keys(hub.findResources('AWS::SQS::Queue', { Properties: Match.objectLike({ RedrivePolicy: Match.anyValue() }) }));
    expect(queueId).toHaveLength(1);
    const onHubBus = cloudTrailRules.filter((r) => r.Properties.EventBusName !== undefined);
    expect(onHubBus.length).toBeGreaterThan(0);
    expect(cloudTrailRules.length).toBeGreaterThan(onHubBus.length);
    for (const r of cloudTrailRules) {
      const targets = r.Properties.Targets as Array<{ Arn: unknown }>;
      expect(targets).toHaveLength(1);
      expect(targets[0]!.Arn).toEqual(ref(queueId[0]!));
    }
    // Each rule may send to the queue, and only from its own ARN.
    const policy = Object.values(hub.findResources('AWS::SQS::QueuePolicy')).find((p) => JSON.stringify(p.Properties.Queues).includes(queueId[0]!));
    const statements = (policy!.Properties.PolicyDocument.Statement as Array<{ Condition?: { ArnEquals?: Record<string, unknown> } }>).filter((s) => s.Condition?.ArnEquals);
    expect(statements).toHaveLength(cloudTrailRules.length);
  });
});
