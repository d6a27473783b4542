/**
 * Which CloudTrail Event history (LookupEvents) streams a backtest reads. LookupEvents takes one
 * lookup attribute per call and returns at most 50 events a page, so the cost is one call per
 * stream plus one per 50 events in it. When every enabled rule pins its eventNames (the evaluator's
 * eventName index), a stream per eventName reads only events some rule can match: a handful of rare
 * calls (DeleteCollection) instead of every Detect* call of the service. When some rule can match
 * any eventName, or the rules name more than `maxNameStreams` eventNames, one stream per eventSource
 * in scope; with every service in scope (`*`) as well, one stream of every management event.
 */

export interface LookupAttribute {
  AttributeKey: 'EventName' | 'EventSource';
  AttributeValue: string;
}

/** Beyond this many eventNames, per-eventSource streams are taken to be fewer calls. */
export const MAX_NAME_STREAMS = 20;

/**
 * The lookup attribute of each stream, in a fixed order (null: no attribute, every event).
 * `eventNames`: what some enabled rule can match, null when some rule can match any;
 * `eventSources`: the evaluator's scope, null for every service.
 */
export function lookupStreams(eventNames: ReadonlySet<string> | null, eventSources: ReadonlySet<string> | null, maxNameStreams = MAX_NAME_STREAMS): Array<LookupAttribute | null> {
  const sorted = (s: ReadonlySet<string>) => [...s].sort();
  if (eventNames !== null && (eventNames.size <= maxNameStreams || (eventSources === null))) {
    return sorted(eventNames).map((n) => ({ AttributeKey: 'EventName', AttributeValue: n }));
  }
  if (eventSources !== null) return sorted(eventSources).map((s) => ({ AttributeKey: 'EventSource', AttributeValue: s }));
  return [null];
}

/** How a stream is named in the report (`EventName=DeleteCollection`, `all events`). */
export function streamLabel(attribute: LookupAttribute | null): string {
  return attribute ? `${attribute.AttributeKey}=${attribute.AttributeValue}` : 'all events';
}
