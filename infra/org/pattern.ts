/**
 * The one compiled pattern, as hub and spokes share it (pure): its hash (what a coverage check
 * compares across accounts and regions) and the per-region cost model printed at synth.
 */
import { rulesHash } from '../../functions/core/coverage/pattern-hash';
import { STATE_ALL_MANAGEMENT_EVENTS, type CompiledPatterns } from '../../functions/core/eventbridge/event-pattern';

/**
 * `sha256:<hex>` of the EventBridge rules (pattern and state, in order) every watched region runs.
 * The hub outputs it and every spoke rule's description ends with it, so a coverage check can tell
 * a spoke left behind by an old deploy from a current one without comparing patterns field by field.
 */
export function patternHash(patterns: CompiledPatterns): string {
  // The same function `rekwatch coverage` applies to the rules it reads back (functions/core/coverage/).
  return rulesHash(patterns.rules);
}

/** List prices used in the note (us-east-1, December 2026); the note says to check current prices. */
export const FORWARDING_PRICES = {
  /** EventBridge custom events (what a forwarded event is billed as, to the sender), per million. */
  customEventsPerMillion: 1.0,
  /** Inter-region data transfer, per GB. */
  interRegionPerGb: 0.02,
  /** A CloudTrail API-call event as EventBridge delivers it, roughly (KB). */
  eventKb: 3,
  /** One standard CloudWatch alarm a month. */
  alarmPerMonth: 0.1,
};

/**
 * What forwarding costs one spoke (an account in a region), per million forwarded events: billed to
 * the sending account as custom events, plus inter-region transfer unless the hub is in its region.
 */
export function forwardingCost(patterns: CompiledPatterns, crossRegion: boolean): string {
  const p = FORWARDING_PRICES;
  const transfer = crossRegion ? ((1e6 * p.eventKb) / (1024 * 1024)) * p.interRegionPerGb : 0;
  const perMillion = p.customEventsPerMillion + transfer;
  const readOnly = patterns.rules.some((r) => r.state === STATE_ALL_MANAGEMENT_EVENTS);
  return (
    `forwards only what the compiled pattern matches (${patterns.rules.length} EventBridge rule${patterns.rules.length === 1 ? '' : 's'}` +
    `${readOnly ? ', read-only calls included where it matches them' : ', no read-only calls'}), billed to the sending account as custom events ` +
    `(~$${p.customEventsPerMillion.toFixed(2)} per million)` +
    (crossRegion ? ` + inter-region transfer (~${p.eventKb} KB an event at ~$${p.interRegionPerGb}/GB, ~$${transfer.toFixed(2)} per million)` : ', no transfer charge in the same region') +
    ` = ~$${perMillion.toFixed(2)} per million forwarded events (~$${(perMillion / 100).toFixed(2)} per million Rekognition calls when 1% are writes, shipped pack), ` +
    `plus one CloudWatch alarm (~$${p.alarmPerMonth.toFixed(2)} a month); check current prices`
  );
}

/** The synth note for one spoke stack (`where`: `eu-west-1`, `eu-west-1 of 444455556666`). */
export function spokeCostNote(patterns: CompiledPatterns, where: string, homeRegion: string, crossRegion: boolean): string {
  return `spoke ${where} -> hub bus in ${homeRegion}: ${forwardingCost(patterns, crossRegion)}`;
}
