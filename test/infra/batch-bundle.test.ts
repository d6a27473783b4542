/**
 * The queue path as deployed: the esbuild bundle of the evaluate function (one entry for both paths)
 * given an SQS batch in a fresh process, DynamoDB served by dynalite and SNS by a loopback server.
 * Proves the entry point tells a batch from a single event, acknowledges a poison message, publishes
 * once across redeliveries, and reports exactly the message whose publish failed.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { loadRulesDir } from '../../functions/adapters/rule-files';
import { bundle, MATCH_EVENT, NO_MATCH_EVENT } from '../../bench/lambda';
import { startDynamo, type LocalDynamo } from '../helpers/dynalite';
import { invokeBundle, ROOT } from './helpers';

let dynamo: LocalDynamo;
let sns: Server;
let snsPort = 0;
let failSns = false;
const snsBodies: string[] = [];
let outfile: string;

beforeAll(async () => {
  outfile = bundle(loadRulesDir(join(ROOT, 'rules')).pack);
  dynamo = await startDynamo('batch-bundle-test');
  sns = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += String(c)));
    req.on('end', () => {
      if (failSns) {
        res.writeHead(400, { 'content-type': 'text/xml' });
        res.end('<ErrorResponse><Error><Type>Sender</Type><Code>InvalidParameter</Code><Message>refused by the test</Message></Error><RequestId>r</RequestId></ErrorResponse>');
        return;
      }
      snsBodies.push(body);
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end('<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>local-1</MessageId></PublishResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishResponse>');
    });
  });
  await new Promise<void>((r) => sns.listen(0, '127.0.0.1', r));
  snsPort = (sns.address() as AddressInfo).port;
});

afterAll(async () => {
  await dynamo.close();
  await new Promise<void>((r) => sns.close(() => r()));
});

const message = (messageId: string, body: unknown) => ({ messageId, receiptHandle: 'r', body: typeof body === 'string' ? body : JSON.stringify(body), attributes: { ApproximateReceiveCount: '1' }, eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:us-east-1:111122223333:q' });

const invoke = (event: unknown) => invokeBundle(outfile, event, { dynamo, snsPort, requestId: 'batch-req', env: { AWS_MAX_ATTEMPTS: '1' } });

describe('the bundled evaluate function on the queue path', () => {
  it('reports only the message whose publish failed, acknowledges the poison one, then publishes once across redeliveries', async () => {
    const batch = { Records: [message('match', MATCH_EVENT), message('poison', '{"Records": [nope'), message('quiet', NO_MATCH_EVENT)] };
    failSns = true;
    const failed = await invoke(batch);
    expect(failed.result).toEqual({ batchItemFailures: [{ itemIdentifier: 'match' }] });
    expect(failed.logs.find((l) => l.message === 'message body is not JSON; acknowledged (it would fail on every retry)')).toMatchObject({ messageId: 'poison', requestId: 'batch-req' });
    expect(failed.logs.find((l) => l.BatchMessages === 3)).toMatchObject({ MalformedEvents: 1, BatchItemFailures: 1 });
    expect(snsBodies).toHaveLength(0);

    failSns = false;
    expect((await invoke(batch)).result).toEqual({ batchItemFailures: [] });
    expect(snsBodies).toHaveLength(1);
    expect(decodeURIComponent(snsBodies[0]!.replace(/\+/g, ' '))).toContain('Face collection deleted without MFA');
    expect((await invoke({ Records: [message('match-again', MATCH_EVENT)] })).result).toEqual({ batchItemFailures: [] });
    expect(snsBodies).toHaveLength(1);
  });

  it('still takes one EventBridge event the plain way', async () => {
    expect((await invoke(NO_MATCH_EVENT)).result).toEqual({ alerts: 0, delivered: 0, skipped: 0 });
  });
});
