/**
 * A table of alerts (pure), for a rule's section of the replay report and a rule's examples in the
 * diff report: time, event, who, from where, account and region, an optional status column, and the
 * link to the event in the CloudTrail console (built by alert/console-url.ts from the region and
 * eventID, never taken from the record). At most the rows given; the caller says how many more.
 */
import { cloudTrailEventUrl } from '../../alert/console-url';
import { href, text } from './escape';

export interface AlertRow {
  eventTime: string;
  eventName: string;
  eventId: string;
  principal: string;
  sourceIp: string;
  account: string;
  region: string;
  /** Original lengths of values cut when kept (detail.ts). */
  lengths?: Partial<Record<'eventTime' | 'eventName' | 'eventId' | 'principal' | 'sourceIp' | 'account' | 'region', number>>;
  /** Markup for the status column (already escaped), when the table has one. */
  status?: string;
}

const CELL = 120;

export function alertTable(rows: readonly AlertRow[], statusHeading?: string): string {
  if (rows.length === 0) return '';
  const head = `<tr><th>Time</th><th>Event</th><th>Principal</th><th>Source IP</th><th>Account / region</th>${statusHeading ? `<th>${text(statusHeading)}</th>` : ''}<th>CloudTrail</th></tr>`;
  const body = rows
    .map((r) => {
      const url = href(cloudTrailEventUrl(r.region, r.eventId));
      const link = url ? `<a class="console" href="${url}" rel="noopener noreferrer">Open</a>` : '';
      const l = r.lengths ?? {};
      return (
        `<tr><td class="nw">${text(r.eventTime, 40, l.eventTime)}</td><td>${text(r.eventName, 60, l.eventName)}<br><code>${text(r.eventId, 60, l.eventId)}</code></td><td class="any">${text(r.principal, CELL, l.principal)}</td>` +
        `<td class="ip">${text(r.sourceIp, 60, l.sourceIp)}</td><td>${text(r.account, 40, l.account)} / ${text(r.region, 40, l.region)}</td>${statusHeading ? `<td class="nw">${r.status ?? ''}</td>` : ''}<td class="nw">${link}</td></tr>`
      );
    })
    .join('');
  return `<table class="alerts">${head}${body}</table>`;
}
