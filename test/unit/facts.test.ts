import { accountId, factValue, mfaAuthenticated, principalArn, principalType, sessionIssuerArn, toBooleanOrNull } from '../../functions/core/input/facts';
import { record, SEED_START_LABEL_DETECTION, withIdentity } from '../helpers/records';

const withMfa = (value: unknown) =>
  withIdentity({ type: 'AssumedRole', arn: 'arn:aws:sts::1:assumed-role/A/s', sessionContext: { attributes: { mfaAuthenticated: value } } });

describe('mfaAuthenticated', () => {
  it.each([
    ['true', true], ['True', true], [' TRUE ', true], [true, true],
    ['false', false], ['False', false], [false, false],
    ['yes', null], [1, null], [null, null], [undefined, null], [{}, null],
  ])('normalises %p to %p', (raw, expected) => {
    expect(mfaAuthenticated(withMfa(raw))).toBe(expected);
  });

  it('is null (unknown) for an IAM user with long-term keys: no sessionContext', () => {
    expect(mfaAuthenticated(withIdentity({ type: 'IAMUser', arn: 'arn:aws:iam::1:user/bob', accountId: '1' }))).toBeNull();
  });

  it('is null when userIdentity is missing or not an object', () => {
    expect(mfaAuthenticated(withIdentity(undefined))).toBeNull();
    expect(mfaAuthenticated({ ...record(), userIdentity: 'root' })).toBeNull();
  });

  it('reads the seed record as false', () => {
    expect(mfaAuthenticated(SEED_START_LABEL_DETECTION)).toBe(false);
  });
});

describe('principal facts', () => {
  it('takes the session ARN, the issuer ARN, the type and the account of an assumed role', () => {
    expect(principalArn(SEED_START_LABEL_DETECTION)).toBe('arn:aws:sts::111122223333:assumed-role/Admin/JorgeSouza');
    expect(sessionIssuerArn(SEED_START_LABEL_DETECTION)).toBe('arn:aws:iam::111122223333:role/Admin');
    expect(principalType(SEED_START_LABEL_DETECTION)).toBe('AssumedRole');
    expect(accountId(SEED_START_LABEL_DETECTION)).toBe('111122223333');
  });

  it('falls back to the session issuer when the identity has no arn', () => {
    const r = withIdentity({ type: 'AssumedRole', sessionContext: { sessionIssuer: { arn: 'arn:aws:iam::1:role/R' } } });
    expect(principalArn(r)).toBe('arn:aws:iam::1:role/R');
  });

  it('treats an empty or non-string userIdentity.arn as missing: the session issuer, else undefined', () => {
    const issuer = { sessionIssuer: { arn: 'arn:aws:iam::1:role/R' } };
    for (const arn of ['', 7, null, {}]) {
      expect(principalArn(withIdentity({ type: 'AssumedRole', arn, sessionContext: issuer }))).toBe('arn:aws:iam::1:role/R');
      expect(principalArn(withIdentity({ type: 'AssumedRole', arn }))).toBeUndefined();
    }
    // An empty issuer ARN is missing too.
    expect(principalArn(withIdentity({ type: 'AssumedRole', arn: '', sessionContext: { sessionIssuer: { arn: '' } } }))).toBeUndefined();
  });

  it('is undefined, never an error, when identity fields are missing or of the wrong type', () => {
    for (const ui of [undefined, null, 'x', [], {}, { type: 7, arn: null, accountId: {} }]) {
      const r = { ...record(), userIdentity: ui };
      expect(principalArn(r)).toBeUndefined();
      expect(principalType(r)).toBeUndefined();
      expect(accountId(r)).toBeUndefined();
    }
  });
});

describe('factValue', () => {
  const lists = { 'trusted-networks': ['10.0.0.0/8'] };

  it('gives every top-level field under its own name, and undefined when missing', () => {
    const r = record({ vpcEndpointId: 'vpce-123' });
    expect(factValue(r, 'eventName', lists)).toBe('DetectFaces');
    expect(factValue(r, 'vpcEndpointId', lists)).toBe('vpce-123');
    expect(factValue(r, 'errorCode', lists)).toBeUndefined();
    expect(factValue(r, 'lists', lists)).toBe(lists);
  });

  it.each([
    [true, true], [false, false], ['true', true], ['FALSE', false], ['TRUE', true], [' true ', true],
    [null, null], [1, 1], [0, 0], ['maybe', 'maybe'], ['', ''], [{}, {}],
  ])('normalises readOnly %p to %p (true/false strings in any case become booleans; anything else is left as it is)', (raw, want) => {
    expect(factValue(record({ readOnly: raw }), 'readOnly', lists)).toEqual(want);
  });

  it('does not read inherited properties', () => {
    expect(factValue(record(), 'constructor', lists)).toBeUndefined();
    expect(factValue(record(), 'toString', lists)).toBeUndefined();
  });

  it.each([['true', true], ['x', null]])('toBooleanOrNull(%p)', (v, e) => expect(toBooleanOrNull(v)).toBe(e));
});
