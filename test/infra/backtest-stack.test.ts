/**
 * The backtest fan-out as synthesized (`-c backtest=true -c backtestTrailBucket=…`): the Distributed
 * Map's shape (ItemReader over the CLI's manifest, ItemSelector, concurrency, no tolerated failures,
 * ResultWriter, the worker task's retries), least privilege (the worker's and the state machine's
 * policies exactly: read-only on the trail bucket's log files, nothing else on it), the results
 * bucket's protections, the outputs the CLI reads, cdk-nag AwsSolutions clean, and config errors.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Writable } from 'node:stream';
import { packDigest } from '../../functions/adapters/backtest/pack-digest';
import { loadRulesForCommand } from '../../functions/cli/load-rules';
import { BACKTEST_OUTPUTS, BACKTEST_PACK_DIGEST_OUTPUT } from '../../functions/core/backtest/outputs';
import { build, ROOT } from './helpers';

const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const CONTEXT = { alertEmail: 'a@example.com', backtest: 'true', backtestTrailBucket: 'org-trail-logs', backtestTrailKey: KEY, backtestConcurrency: '25' };

describe('the backtest fan-out', () => {
  const built = build(CONTEXT, { bundle: false });
  const { template, stack } = built;
  const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);
  const bt = stack.backtest!;
  const definition = (): Record<string, any> => {
    const sm = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0] as { Properties: { DefinitionString: { 'Fn::Join': [string, unknown[]] } } };
    // Tokens become placeholders so the definition parses.
    const text = sm.Properties.DefinitionString['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : `<${JSON.stringify(p).replace(/"/g, "'")}>`)).join('');
    return JSON.parse(text) as Record<string, any>;
  };

  it('runs a Distributed Map over the manifest the CLI writes, one worker per batch', () => {
    const d = definition();
    expect(d.StartAt).toBe('Batches');
    const map = d.States.Batches;
    expect(map.Type).toBe('Map');
    expect(map.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    expect(map.ItemReader).toEqual({
      Resource: "arn:<{'Ref':'AWS::Partition'}>:states:::s3:getObject",
      ReaderConfig: { InputType: 'JSON' },
      Parameters: { Bucket: `<{'Ref':'${id(bt.resultsBucket)}'}>`, 'Key.$': '$.manifestKey' },
    });
    expect(map.ItemSelector).toEqual({ 'run.$': '$.run', 'batch.$': '$$.Map.Item.Value', 'eventSources.$': '$.eventSources', 'maxRecordBytes.$': '$.maxRecordBytes' });
    // Batches are made by the CLI (by objects' bytes, which ItemBatcher cannot weigh): no ItemBatcher.
    expect(map.ItemBatcher).toBeUndefined();
    expect(map.MaxConcurrency).toBe(25);
    // Step Functions' default tolerated failure is none: any failed batch fails the run.
    expect(map.ToleratedFailurePercentage).toBeUndefined();
    expect(map.ToleratedFailureCount).toBeUndefined();
    expect(map.ResultWriter).toEqual({ Resource: "arn:<{'Ref':'AWS::Partition'}>:states:::s3:putObject", Parameters: { Bucket: `<{'Ref':'${id(bt.resultsBucket)}'}>`, Prefix: 'map-results' } });
    const task = map.ItemProcessor.States[map.ItemProcessor.StartAt];
    expect(task.Resource).toBe(`<{'Fn::GetAtt':['${id(bt.worker)}','Arn']}>`);
    expect(task.Retry).toContainEqual({ ErrorEquals: ['RetryableS3Error'], IntervalSeconds: 5, MaxAttempts: 6, BackoffRate: 2, JitterStrategy: 'FULL' });
    expect(task.Catch).toBeUndefined();
  });

  it('logs and traces the state machine', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false, Destinations: [Match.anyValue()] },
    });
  });

  it('gives the worker read-only access to the trail log files and nothing else on that bucket', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const worker = Object.values(policies).find((p: any) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: id(bt.worker.role as never) }])) as any;
    expect(worker.Properties.PolicyDocument.Statement).toEqual([
      { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [id(bt.worker.node.scope!.node.findChild('Logs') as never), 'Arn'] } },
      { Sid: 'ReadTrailLogFiles', Action: 's3:GetObject', Effect: 'Allow', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::org-trail-logs/*AWSLogs/*']] } },
      { Sid: 'DecryptTrailLogFiles', Action: 'kms:Decrypt', Effect: 'Allow', Resource: KEY, Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } } },
      { Sid: 'WriteBatchResults', Action: 's3:PutObject', Effect: 'Allow', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [id(bt.resultsBucket), 'Arn'] }, '/runs/*']] } },
    ].map((s) => expect.objectContaining(s)));
    // Nothing anywhere in the stack names the trail bucket but that one statement (and the outputs/env).
    const mentions = Object.entries(policies).filter(([, p]) => JSON.stringify(p).includes('org-trail-logs'));
    expect(mentions.map(([k]) => k)).toEqual([id(bt.worker.role!.node.findChild('DefaultPolicy') as never)]);
    expect(JSON.stringify(template.findResources('AWS::S3::BucketPolicy'))).not.toContain('org-trail-logs');
  });

  it('lets the state machine invoke the worker and use the results bucket only', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const mine = Object.values(policies).filter((p: any) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: id(bt.stateMachine.role as never) }])) as any[];
    const statements = mine.flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>);
    const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();
    expect([...new Set(actions)]).toEqual([
      'lambda:InvokeFunction',
      'logs:CreateLogDelivery', 'logs:DeleteLogDelivery', 'logs:DescribeLogGroups', 'logs:DescribeResourcePolicies', 'logs:GetLogDelivery', 'logs:ListLogDeliveries', 'logs:PutResourcePolicy', 'logs:UpdateLogDelivery',
      's3:AbortMultipartUpload', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:PutObject',
      'states:DescribeExecution', 'states:RedriveExecution', 'states:StartExecution', 'states:StopExecution',
      'xray:GetSamplingRules', 'xray:GetSamplingTargets', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments',
    ].sort());
    for (const s of statements.filter((x) => String(x.Action).startsWith('s3:'))) {
      expect(s.Resource).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', { Ref: id(bt.resultsBucket) }, '/*']] });
    }
    expect(JSON.stringify(mine)).not.toContain('org-trail-logs');
  });

  it('keeps results private, encrypted, TLS-only, access-logged and expiring', () => {
    const bucket = template.findResources('AWS::S3::Bucket')[id(bt.resultsBucket)] as any;
    expect(bucket.Properties.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.Properties.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: id(bt.accessLogsBucket) }, LogFilePrefix: 'backtest-results/' });
    expect(bucket.Properties.LifecycleConfiguration.Rules).toEqual([{ ExpirationInDays: 7, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' }]);
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: id(bt.resultsBucket) },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('gives the worker one vCPU, 15 minutes and the buckets by name', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 1769,
      Timeout: 900,
      Architectures: ['arm64'],
      Environment: { Variables: Match.objectLike({ TRAIL_BUCKET: 'org-trail-logs', RESULTS_BUCKET: { Ref: id(bt.resultsBucket) } }) },
    });
  });

  it('outputs what `replay --on-aws --stack` reads', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs[BACKTEST_OUTPUTS.stateMachine]?.Value).toEqual({ Ref: id(bt.stateMachine) });
    expect(outputs[BACKTEST_OUTPUTS.resultsBucket]?.Value).toEqual({ Ref: id(bt.resultsBucket) });
    expect(outputs[BACKTEST_OUTPUTS.trailBucket]?.Value).toBe('org-trail-logs');
    expect(outputs[BACKTEST_OUTPUTS.workerMemory]?.Value).toBe('1769');
    // The same digest the CLI computes from --rules (for the shipped rules, with no config file).
    expect(outputs[BACKTEST_PACK_DIGEST_OUTPUT]?.Value).toBe(packDigest(stack.pack));
    const io = { stdout: new Writable({ write(_c, _e, cb) { cb(); } }), stderr: new Writable({ write(_c, _e, cb) { cb(); } }), stdin: process.stdin, cwd: ROOT, stderrIsTTY: false };
    expect(packDigest(loadRulesForCommand('rules', io)!.pack)).toBe(packDigest(stack.pack));
  });

  it('is clean under cdk-nag AwsSolutions (accepted findings carry reasons)', () => {
    const report = new AwsSolutionsChecks(built.app).validateScope(stack);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.resourceLogicalId).join(', ')}`)).toEqual([]);
  });
});

describe('backtest configuration', () => {
  it('is off by default: no state machine, no outputs', () => {
    const { template } = build({ alertEmail: 'a@example.com' }, { bundle: false });
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 0);
    expect(Object.keys(template.toJSON().Outputs as object).filter((k) => k.startsWith('Backtest'))).toEqual([]);
  });

  it.each([
    [{ backtest: 'true' }, 'context backtest: set backtestTrailBucket=BUCKET too (the trail bucket backtests read; the stack gets read-only access to its log files)'],
    [{ backtestTrailBucket: 'b-1' }, 'context backtestTrailBucket: set backtest=true too (it configures the backtest fan-out)'],
    [{ backtest: 'true', backtestTrailBucket: 'Not_A_Bucket' }, 'context backtestTrailBucket: "Not_A_Bucket" is not an S3 bucket name'],
    [{ backtest: 'true', backtestTrailBucket: 'b-1', backtestTrailKey: 'alias/trail' }, 'context backtestTrailKey: "alias/trail" is not a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID; an alias cannot be granted)'],
    [{ backtest: 'true', backtestTrailBucket: 'b-1', backtestConcurrency: '0' }, 'context backtestConcurrency: must be a whole number from 1 to 10000, got "0"'],
    [{ backtest: 'maybe', backtestTrailBucket: 'b-1' }, 'context backtest: must be true or false, got "maybe"'],
  ])('fails synth with a clear message for %j', (context, message) => {
    expect(() => build(context, { bundle: false })).toThrow(message);
  });

  it('needs no KMS grant for an SSE-S3 trail', () => {
    const { template, stack } = build({ backtest: 'true', backtestTrailBucket: 'b-1' }, { bundle: false });
    const policy = template.findResources('AWS::IAM::Policy')[stack.getLogicalId(stack.backtest!.worker.role!.node.findChild('DefaultPolicy').node.defaultChild as never)] as any;
    expect(policy.Properties.PolicyDocument.Statement.map((s: { Sid?: string }) => s.Sid)).toEqual([undefined, 'ReadTrailLogFiles', 'WriteBatchResults']);
  });
});
