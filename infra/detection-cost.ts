/**
 * What each detection path costs per million Rekognition calls that reach the evaluate function
 * (pure, printed at synth and quoted in the README): EventBridge, Lambda requests and GB-seconds at
 * the configured memory and the bench's measured per-event time, SQS requests (queue path), and
 * DynamoDB reads and writes for stateful rules. List prices are named, dated constants with their
 * sources; the note says to check current prices. Free tiers are left out (they are per account, not
 * per million calls).
 */
import { LAMBDA_ARM_GB_SECOND_USD, LAMBDA_REQUEST_USD } from '../functions/core/backtest/cost';

/** us-east-1 list prices, checked 2026-12-01 (sources beside each; Lambda's in functions/core/backtest/cost.ts). */
export const PRICES_2026_12 = {
  /** AWS service events (CloudTrail "AWS API Call via CloudTrail") on the default bus: free. https://aws.amazon.com/eventbridge/pricing/ */
  eventBridgeServiceEventsPerMillion: 0,
  /** Lambda requests and arm64 GB-seconds: the same list prices the backtest estimate uses (functions/core/backtest/cost.ts). */
  lambdaRequestsPerMillion: LAMBDA_REQUEST_USD * 1_000_000,
  lambdaArmPerGbSecond: LAMBDA_ARM_GB_SECOND_USD,
  /** SQS standard queue requests, each 64 KB chunk of a payload one request. https://aws.amazon.com/sqs/pricing/ */
  sqsStandardPerMillion: 0.4,
  /** DynamoDB on-demand read request units (a strongly consistent read of up to 4 KB is one). https://aws.amazon.com/dynamodb/pricing/on-demand/ */
  dynamoReadPerMillionRru: 0.125,
  /** DynamoDB on-demand write request units (one per KB written). https://aws.amazon.com/dynamodb/pricing/on-demand/ */
  dynamoWritePerMillionWru: 0.625,
} as const;

/**
 * Handler time per event measured by bench/lambda-batch.ts (`npm run bench`): the bundled function,
 * warm, non-matching read-only calls (DetectFaces), shipped pack, on the 2-core development machine
 * under load, 2026-12-01: ~0.001 ms for one event per invocation; 0.006-0.023 ms per event in SQS
 * batches of 100 and 500 (parsing each message body, the bounded concurrency). Rounded up here.
 * Lambda gives a function CPU in proportion to its memory (one vCPU at 1,769 MB), so the model scales
 * these by 1769 / memory below that. Lambda bills each invocation's duration rounded up to the
 * millisecond: the plain path pays at least 1 ms an event, a batch ~1 ms per invocation on top.
 */
export const MEASURED_MS = {
  /** One event per invocation (plain path), handler time on one full core. */
  directPerEvent: 0.001,
  /** Per event within a batch of 500 (queue path), handler time on one full core. */
  batchPerEvent: 0.01,
} as const;

/** Memory at which Lambda gives a function one full vCPU. */
export const FULL_VCPU_MB = 1769;

const cpuScale = (memoryMb: number) => Math.max(1, FULL_VCPU_MB / memoryMb);

export interface CostInputs {
  /** Function memory, MB. */
  memoryMb: number;
  /** Events per invocation on the queue path. */
  batchSize: number;
  /** A CloudTrail event as EventBridge delivers it, KB (SQS bills per 64 KB). */
  eventKb?: number;
  /**
   * Detection-state requests per event for stateful rules: strongly consistent reads and writes of
   * an item of `stateItemKb`. 0 when no rule is stateful.
   */
  stateReadsPerEvent?: number;
  stateWritesPerEvent?: number;
  stateItemKb?: number;
  directMsPerEvent?: number;
  batchMsPerEvent?: number;
}

export interface PathCost {
  eventBridge: number;
  lambdaRequests: number;
  lambdaDuration: number;
  sqs: number;
  dynamo: number;
  total: number;
}

const MILLION = 1_000_000;

function dynamoCost(i: CostInputs): number {
  const kb = i.stateItemKb ?? 2;
  const rru = Math.ceil(kb / 4) * (i.stateReadsPerEvent ?? 0);
  const wru = Math.ceil(kb) * (i.stateWritesPerEvent ?? 0);
  return rru * PRICES_2026_12.dynamoReadPerMillionRru + wru * PRICES_2026_12.dynamoWritePerMillionWru;
}

/** Cost of a million calls through the plain path (one async invocation each). */
export function directCost(i: CostInputs): PathCost {
  const p = PRICES_2026_12;
  const billedMs = Math.max(1, Math.ceil((i.directMsPerEvent ?? MEASURED_MS.directPerEvent) * cpuScale(i.memoryMb)));
  const lambdaDuration = ((MILLION * billedMs) / 1000) * (i.memoryMb / 1024) * p.lambdaArmPerGbSecond;
  const dynamo = dynamoCost(i);
  const total = p.eventBridgeServiceEventsPerMillion + p.lambdaRequestsPerMillion + lambdaDuration + dynamo;
  return { eventBridge: p.eventBridgeServiceEventsPerMillion, lambdaRequests: p.lambdaRequestsPerMillion, lambdaDuration, sqs: 0, dynamo, total };
}

/**
 * Cost of a million calls through the queue path: EventBridge sends each event (one SendMessage per
 * 64 KB), the event source mapping receives and deletes them ten at a time (SQS's per-request
 * maximum), and the function runs once per `batchSize` events. Idle polling (a few requests a
 * minute, whatever the volume) is left out.
 */
export function queueCost(i: CostInputs): PathCost {
  const p = PRICES_2026_12;
  const chunks = Math.max(1, Math.ceil((i.eventKb ?? 3) / 64));
  const sqsRequestsPerEvent = chunks + 2 * (chunks / 10);
  const sqs = sqsRequestsPerEvent * p.sqsStandardPerMillion;
  const invocations = MILLION / i.batchSize;
  const lambdaRequests = (invocations / MILLION) * p.lambdaRequestsPerMillion;
  const msPerInvocation = Math.ceil(i.batchSize * (i.batchMsPerEvent ?? MEASURED_MS.batchPerEvent) * cpuScale(i.memoryMb) + 1);
  const lambdaDuration = ((invocations * msPerInvocation) / 1000) * (i.memoryMb / 1024) * p.lambdaArmPerGbSecond;
  const dynamo = dynamoCost(i);
  return { eventBridge: p.eventBridgeServiceEventsPerMillion, lambdaRequests, lambdaDuration, sqs, dynamo, total: p.eventBridgeServiceEventsPerMillion + lambdaRequests + lambdaDuration + sqs + dynamo };
}

const usd = (n: number) => `$${n < 0.01 && n > 0 ? n.toFixed(4) : n.toFixed(2)}`;

function line(c: PathCost): string {
  return `${usd(c.total)} (Lambda requests ${usd(c.lambdaRequests)}, duration ${usd(c.lambdaDuration)}${c.sqs ? `, SQS ${usd(c.sqs)}` : ''}${c.dynamo ? `, DynamoDB ${usd(c.dynamo)}` : ''}, EventBridge ${usd(c.eventBridge)})`;
}

/** The synth note: both paths per million calls reaching the function, the chosen one first. */
export function detectionCostNote(path: 'queue' | 'direct', i: CostInputs & { stateful?: boolean }): string {
  const q = `queue path ${line(queueCost(i))}`;
  const d = `plain path ${line(directCost(i))}`;
  const kb = i.stateItemKb ?? 2;
  const p = PRICES_2026_12;
  const state = i.stateful
    ? `; stateful rules add DynamoDB on either path: ~${usd(Math.ceil(kb / 4) * p.dynamoReadPerMillionRru)} per million state reads and ~${usd(Math.ceil(kb) * p.dynamoWritePerMillionWru)} per million writes of a ~${kb} KB item ` +
      '(firstSeen: a read per event the function gets, a write only when it learns something; a threshold rule: a read and a write per event it selects)'
    : '';
  return (
    `cost per million Rekognition calls reaching the function (${i.memoryMb} MB arm64, batches of ${i.batchSize}): ` +
    `${path === 'queue' ? `${q}; ${d}` : `${d}; ${q}`}${state}; us-east-1 list prices of 2026-12-01 (infra/detection-cost.ts), check current prices`
  );
}
