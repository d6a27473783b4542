/**
 * The evaluate function's heartbeat handling (with `heartbeat=true`): wraps the handler so that a
 * heartbeat (`recogniseHeartbeat`: the canary TagResource by the heartbeat role, nothing else) is
 * recorded instead of evaluated. Additive: the wrapped handler is untouched and sees every other
 * event as before.
 *
 * Recording: two EMF metric lines (`Heartbeats` by `Region`, and by `Account`+`Region` for the
 * accounts in HEARTBEAT_METRIC_ACCOUNTS: those the app deploys, each a custom metric), then the
 * account's and region's last heartbeat in the state table (for `rekwatch coverage`). A failed
 * write is logged, not thrown: retrying a heartbeat buys nothing, and the metric was already out.
 */
import type { Logger } from 'pino';
import { type Heartbeat, type HeartbeatNames, type HeartbeatRecorder, HEARTBEAT_METRIC, recogniseHeartbeat } from '../core/heartbeat/heartbeat';

export type { HeartbeatRecorder };
import { emf } from '../core/monitor/metrics';

/** Environment the stack sets on the function (infra/org/heartbeat.ts imports these names). */
export const HEARTBEAT_ENV = {
  /** The hub stack's name: the canary collection and role names derive from it. Unset: heartbeat off. */
  namePrefix: 'HEARTBEAT_NAME_PREFIX',
  /** Comma-separated accounts whose heartbeats also get an Account+Region metric. */
  metricAccounts: 'HEARTBEAT_METRIC_ACCOUNTS',
} as const;

export interface HeartbeatDeps {
  names: HeartbeatNames;
  /** Accounts with an Account+Region metric. */
  metricAccounts: ReadonlySet<string>;
  /** Created on first heartbeat. */
  recorder: () => HeartbeatRecorder | Promise<HeartbeatRecorder>;
  logger: Logger;
  now?: () => number;
}

export type HeartbeatResult = { alerts: 0; delivered: 0; skipped: 0; heartbeat: { account: string; region: string } };

export function withHeartbeat<E, C, R>(handler: (event: E, context?: C) => Promise<R>, deps: HeartbeatDeps): (event: E, context?: C) => Promise<R | HeartbeatResult> {
  const now = deps.now ?? Date.now;
  return async (event, context) => {
    const heartbeat = recogniseHeartbeat(event, deps.names);
    if (!heartbeat) return handler(event, context);
    const receivedAt = now();
    const { account, region } = heartbeat;
    deps.logger.info(emf({ [HEARTBEAT_METRIC]: { value: 1, unit: 'Count' } }, { Region: region }, receivedAt), 'metrics');
    if (deps.metricAccounts.has(account)) deps.logger.info(emf({ [HEARTBEAT_METRIC]: { value: 1, unit: 'Count' } }, { Account: account, Region: region }, receivedAt), 'metrics');
    try {
      await (await deps.recorder()).record(heartbeat, receivedAt);
      deps.logger.info({ account, region, eventId: heartbeat.eventId, lagMs: heartbeat.at === null ? null : receivedAt - heartbeat.at }, 'heartbeat');
    } catch (e) {
      deps.logger.error({ account, region, err: e instanceof Error ? e.message : String(e) }, 'heartbeat not recorded in the state table (the metric was emitted)');
    }
    return { alerts: 0, delivered: 0, skipped: 0, heartbeat: { account, region } };
  };
}
