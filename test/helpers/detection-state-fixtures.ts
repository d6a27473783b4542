/**
 * A small stateful pack and event builders shared by the detection-state, batch and queue tests:
 * a threshold rule (bulk face search by one principal), a distinct-count rule (searches across
 * collections), a firstSeen rule (a change from a source network new for the principal) and a
 * stateless rule (collection deleted), validated by the production loader.
 */
import type { CloudTrailRecord, RulePack } from '../../functions/core/common/types';
import { pack, rule, ruleFile } from './pack';
import { envelope, record } from './records';

const SEARCHES = ['SearchFacesByImage', 'SearchUsersByImage', 'SearchFaces', 'SearchUsers'];

export function statefulPack(): RulePack {
  return pack([
    ruleFile(rule('bulk-face-search', { all: [{ fact: 'eventName', operator: 'in', value: SEARCHES }] }, { threshold: { count: 3, window: '5m', by: ['principalArn'] } })),
    ruleFile(
      rule('many-collections-searched', { all: [{ fact: 'eventName', operator: 'in', value: SEARCHES }] }, {
        threshold: { count: 3, window: '10m', by: ['principalArn'], distinct: { fact: 'requestParameters', path: '$.collectionId' } },
      }),
    ),
    ruleFile(
      rule('change-from-new-network', {
        all: [
          { fact: 'readOnly', operator: 'equal', value: false },
          { fact: 'firstSeen', path: '$.sourceIPAddress', operator: 'equal', value: true },
          { fact: 'firstSeen', path: '$.principal', operator: 'equal', value: false },
        ],
      }),
    ),
    ruleFile(rule('collection-deleted', { all: [{ fact: 'eventName', operator: 'equal', value: 'DeleteCollection' }] })),
  ]);
}

export const T0 = Date.parse('2026-11-30T10:00:00Z');
export const ALICE = 'arn:aws:iam::111122223333:user/alice';

let n = 0;
/** A call by `principal` (an IAM user) at T0 + `seconds`, as EventBridge delivers it. */
export function call(seconds: number, over: CloudTrailRecord & { principal?: string } = {}): Record<string, unknown> {
  const { principal = ALICE, ...rest } = over;
  return envelope(
    record({
      eventTime: new Date(T0 + seconds * 1000).toISOString().replace('.000Z', 'Z'),
      eventID: `ev-${seconds}-${++n}`,
      userIdentity: { type: 'IAMUser', arn: principal, accountId: '111122223333', userName: principal.split('/').pop(), principalId: 'AIDAEXAMPLE' },
      sourceIPAddress: '198.51.100.7',
      ...rest,
    }),
  );
}

export function search(seconds: number, collectionId = 'employees', over: CloudTrailRecord & { principal?: string } = {}): Record<string, unknown> {
  return call(seconds, { eventName: 'SearchFacesByImage', readOnly: true, requestParameters: { collectionId, maxFaces: 5 }, ...over });
}
