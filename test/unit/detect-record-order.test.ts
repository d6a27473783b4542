/** RecordOrder (core/detect/record-order.ts): in-scope records in event-time order, late ones marked. */
import { RecordOrder } from '../../functions/core/detect/record-order';
import { record } from '../helpers/records';

const MIN = 60_000;
const at = (m: number) => record({ eventID: `e${m}`, eventTime: new Date(Date.parse('2026-11-20T10:00:00Z') + m * MIN).toISOString() });
const inScope = (r: { eventSource?: unknown }) => r.eventSource === 'rekognition.amazonaws.com';

it('passes other values through, releases in-scope records in time order, marks a late one with its time', () => {
  const order = new RecordOrder<number>(inScope, 15 * MIN);
  expect(order.take({ not: 'a record' }, 0)).toEqual([{ value: { not: 'a record' }, extra: 0 }]);
  expect(order.take(record({ eventSource: 's3.amazonaws.com' }), 1)).toHaveLength(1);
  expect(order.take(at(5), 2)).toEqual([]);
  expect(order.take(at(1), 3)).toEqual([]);
  // 30 minutes on: both earlier records are released, oldest first.
  expect(order.take(at(30), 4).map((o) => o.extra)).toEqual([3, 2]);
  expect(order.watermark).toBe(Date.parse('2026-11-20T10:15:00Z'));
  const late = order.take(at(2), 5);
  expect(late).toEqual([{ value: at(2), extra: 5, lateAt: Date.parse('2026-11-20T10:02:00Z') }]);
  expect(order.watermark).toBe(Date.parse('2026-11-20T10:15:00Z'));
  expect(order.flush().map((o) => o.extra)).toEqual([4]);
});
