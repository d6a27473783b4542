/**
 * The evaluate Lambda as deployed: the esbuild bundle (built like the stack builds it) loaded in a
 * fresh process, with DynamoDB served by dynalite and SNS by a loopback HTTP server, both through the
 * AWS SDK's standard endpoint-override environment variables. Proves the bundled rule pack, the lazy
 * SDK loading and the wiring, end to end, with no AWS account.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { loadRulesDir } from '../../functions/adapters/rule-files';
import { bundle, MATCH_EVENT, NO_MATCH_EVENT } from '../../bench/lambda';
import { startDynamo, type LocalDynamo } from '../helpers/dynalite';
import { invokeBundle, ROOT } from './helpers';

let dynamo: LocalDynamo;
let sns: Server;
let snsPort = 0;
const snsRequests: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
let outfile: string;

beforeAll(async () => {
  outfile = bundle(loadRulesDir(join(ROOT, 'rules')).pack);
  dynamo = await startDynamo('bundle-test');
  sns = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += String(c)));
    req.on('end', () => {
      snsRequests.push({ headers: req.headers, body });
      if (String(req.headers['content-type']).includes('json')) {
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ MessageId: 'local-1' }));
      } else {
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end('<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>local-1</MessageId></PublishResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishResponse>');
      }
    });
  });
  await new Promise<void>((r) => sns.listen(0, '127.0.0.1', r));
  snsPort = (sns.address() as AddressInfo).port;
});

afterAll(async () => {
  await dynamo.close();
  await new Promise<void>((r) => sns.close(() => r()));
});

const invoke = (event: unknown, env: Record<string, string> = {}) => invokeBundle(outfile, event, { dynamo, snsPort, requestId: 'bundle-req', env });

describe('the bundled evaluate function', () => {
  it('stays quiet, and off the network, for a non-matching event', async () => {
    const before = snsRequests.length;
    const { result } = await invoke(NO_MATCH_EVENT);
    expect(result).toEqual({ alerts: 0, delivered: 0, skipped: 0 });
    expect(snsRequests.length).toBe(before);
  });

  it('publishes a matching event to SNS once and records it in DynamoDB; a duplicate is skipped', async () => {
    const first = await invoke(MATCH_EVENT);
    expect(first.result).toEqual({ alerts: 1, delivered: 1, skipped: 0 });
    expect(snsRequests).toHaveLength(1);
    const body = snsRequests[0]!.body;
    expect(body).toContain('rekwatch-alerts');
    expect(decodeURIComponent(body.replace(/\+/g, ' '))).toContain('Face collection deleted without MFA');
    expect(first.logs.find((l) => l.message === 'alert delivered')).toMatchObject({ requestId: 'bundle-req', eventId: 'bench-match', channel: 'sns' });
    const items = await dynamo.client.send(new ScanCommand({ TableName: dynamo.tableName }));
    expect(items.Items?.map((i) => [i.pk?.S, i.status?.S])).toEqual([['collection-deleted-without-mfa:bench-match#sns', 'sent']]);
    const second = await invoke(MATCH_EVENT);
    expect(second.result).toEqual({ alerts: 1, delivered: 0, skipped: 1 });
    expect(snsRequests).toHaveLength(1);
  });
});

// Last: it leaves a heartbeat item in the shared table.
describe('the bundled evaluate function, heartbeat on', () => {
  it('with the heartbeat on, records a heartbeat in the state table instead of evaluating it, and publishes nothing', async () => {
    const before = snsRequests.length;
    const account = '444455556666';
    const heartbeat = {
      version: '0', id: 'hb-envelope', 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.rekognition', account, region: 'eu-west-1', time: '2026-12-01T11:45:01Z', resources: [],
      detail: {
        eventVersion: '1.11', eventTime: '2026-12-01T11:45:00Z', eventSource: 'rekognition.amazonaws.com', eventName: 'TagResource', awsRegion: 'eu-west-1', eventID: 'hb-bundle', readOnly: false, recipientAccountId: account,
        userIdentity: { type: 'AssumedRole', arn: `arn:aws:sts::${account}:assumed-role/Rekwatch-hb-eu-west-1/s`, accountId: account },
        requestParameters: { resourceArn: `arn:aws:rekognition:eu-west-1:${account}:collection/Rekwatch-heartbeat`, tags: { 'rekwatch-heartbeat': 'on' } },
      },
    };
    const { result, logs } = await invoke(heartbeat, { HEARTBEAT_NAME_PREFIX: 'Rekwatch', HEARTBEAT_METRIC_ACCOUNTS: account });
    expect(result).toEqual({ alerts: 0, delivered: 0, skipped: 0, heartbeat: { account, region: 'eu-west-1' } });
    expect(snsRequests.length).toBe(before);
    expect(logs.filter((l) => l.Heartbeats === 1).map((l) => [l.Account ?? null, l.Region])).toEqual([[null, 'eu-west-1'], [account, 'eu-west-1']]);
    const items = (await dynamo.client.send(new ScanCommand({ TableName: dynamo.tableName }))).Items ?? [];
    expect(items.find((i) => i.pk?.S === `heartbeat#${account}#eu-west-1`)?.lastAt).toEqual({ N: String(Date.parse('2026-12-01T11:45:00Z')) });
  });
});
