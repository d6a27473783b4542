/**
 * fast-check generators for realistic-but-adversarial CloudTrail records and json-rules-engine rules,
 * shared by the property tests.
 */
import fc from 'fast-check';
import type { CloudTrailRecord, RuleDefinition, RulePack } from '../../functions/core/common/types';
import { record } from './records';

export const EVENT_NAMES = ['DetectFaces', 'SearchFacesByImage', 'DeleteCollection', 'CreateCollection', 'DeleteProject', 'PutProjectPolicy', 'IndexFaces', 'DeleteFaces', 'ListCollections', 'StartStreamProcessor'];
export const IPS = ['198.51.100.20', '203.0.113.9', '10.1.2.3', '2001:db8::5', '2a05:d018::1', 'AWS Internal', 'rekognition.amazonaws.com', '192.0.2.01', 'a, b', '', '-', '::ffff:10.0.0.1'];
const ARNS = ['arn:aws:iam::111122223333:root', 'arn:aws:sts::111122223333:assumed-role/Admin/alice', 'arn:aws:iam::444455556666:user/bob', 'arn:aws:sts::111122223333:assumed-role/BreakGlass/x'];
const STRINGS = [...EVENT_NAMES, ...IPS, ...ARNS, 'AccessDenied', 'AccessDeniedException', 'us-east-1', 'eu-west-1', 'aws-cli/2.15 distrib#kali', 'Boto3/1.34', 'true', 'false', 'True', '111122223333', '444455556666', 'Root', 'IAMUser', 'AssumedRole', 'AWSService', 'col-1'];

const identity = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.constant('garbage'),
  fc.record(
    {
      type: fc.constantFrom('Root', 'IAMUser', 'AssumedRole', 'AWSService', 'FederatedUser', undefined, 7),
      arn: fc.option(fc.constantFrom(...ARNS), { nil: undefined }),
      accountId: fc.option(fc.constantFrom('111122223333', '444455556666', ''), { nil: undefined }),
      invokedBy: fc.option(fc.constant('rekognition.amazonaws.com'), { nil: undefined }),
      sessionContext: fc.option(
        fc.record({
          attributes: fc.record({ mfaAuthenticated: fc.constantFrom('true', 'false', 'True', 'FALSE', true, false, 'maybe', null) }),
          sessionIssuer: fc.option(fc.record({ arn: fc.constantFrom(...ARNS) }), { nil: undefined }),
        }),
        { nil: undefined },
      ),
    },
    { requiredKeys: [] },
  ),
);

const requestParameters = fc.oneof(
  fc.constant(null),
  fc.constant('null'),
  fc.record({ collectionId: fc.constantFrom('col-1', 'faces', '', null), maxResults: fc.integer({ min: 0, max: 100 }), userName: fc.constantFrom('alice', 'bob') }, { requiredKeys: [] }),
  fc.record({ image: fc.oneof(fc.constant(null), fc.record({ s3Object: fc.oneof(fc.constant(null), fc.record({ bucket: fc.constantFrom('b1', 'b2') })) })), omitted: fc.boolean() }, { requiredKeys: [] }),
  // JSON can carry keys named like Object.prototype methods: json-rules-engine's `in` on a string
  // value and its numeric operators then throw while converting the object to a primitive.
  fc.constant({ toString: 1, valueOf: 1 }),
);

/** A Rekognition-ish record with real-world variance in the fields rules look at. */
export const arbRecord: fc.Arbitrary<CloudTrailRecord> = fc
  .record(
    {
      eventName: fc.constantFrom(...EVENT_NAMES),
      eventSource: fc.constantFrom('rekognition.amazonaws.com', 'rekognition.amazonaws.com', 's3.amazonaws.com'),
      sourceIPAddress: fc.constantFrom(...IPS),
      userAgent: fc.constantFrom('aws-cli/2.15 distrib#kali', 'Boto3/1.34', 'console.amazonaws.com', ''),
      errorCode: fc.constantFrom('AccessDenied', 'AccessDeniedException', 'ValidationException'),
      readOnly: fc.constantFrom(true, false, 'true', 'false'),
      awsRegion: fc.constantFrom('us-east-1', 'eu-west-1', 'ap-southeast-2'),
      recipientAccountId: fc.constantFrom('111122223333', '444455556666'),
      userIdentity: identity,
      requestParameters,
      resources: fc.constantFrom([], [{ ARN: 'arn:aws:rekognition:us-east-1:1:collection/c' }], 'x'),
    },
    { requiredKeys: ['eventName', 'eventSource'] },
  )
  .map((fields) => {
    const r = record();
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined) delete r[k];
      else r[k] = v;
    }
    if (!('errorCode' in fields)) delete r.errorCode;
    return r;
  });

const FACTS_WITH_PATHS: Array<[string, string | undefined]> = [
  ['eventName', undefined], ['sourceIPAddress', undefined], ['userAgent', undefined], ['errorCode', undefined],
  ['readOnly', undefined], ['awsRegion', undefined], ['mfaAuthenticated', undefined], ['principalArn', undefined],
  ['principalType', undefined], ['accountId', undefined], ['recipientAccountId', undefined], ['sessionIssuerArn', undefined],
  ['requestParameters', '$.collectionId'], ['requestParameters', '$.maxResults'], ['requestParameters', '$.image.s3Object.bucket'],
  ['requestParameters', "$['collectionId']"], ['userIdentity', '$.type'], ['userIdentity', '$.sessionContext.attributes.mfaAuthenticated'],
  ['resources', '$[0].ARN'], ['resources', '$.length'], ['userIdentity', '$..arn'], ['requestParameters', '$.*'], ['eventName', '$.x'],
  ['requestParameters', undefined], ['requestParameters', '$.userName'], ['requestParameters', '$.image.s3Object'],
  ['userIdentity', '$.arn'], ['requestParameters', '$[?(@.bucket)]'],
];

const OPERATORS = [
  'equal', 'notEqual', 'in', 'notIn', 'contains', 'doesNotContain', 'lessThan', 'greaterThanInclusive',
  'ipInCidr', 'ipNotInCidr', 'startsWith', 'endsWith', 'matches', 'matchesIgnoreCase', 'matchesRegex',
  'not:equal', 'someFact:equal', 'someValue:startsWith', 'everyValue:notEqual', 'swap:in',
  'exists', 'not:exists', 'swap:startsWith', 'someFact:in', 'someValue:in', 'notAnOperator',
];

const literal = fc.oneof(
  fc.constantFrom(...STRINGS),
  fc.constantFrom(true, false, null, 0, 5, 50, ['x', 5], ['10.0.0.0/8', 7], '*', '?*'),
  fc.subarray(STRINGS, { minLength: 0, maxLength: 4 }),
  fc.constantFrom(['10.0.0.0/8', '2001:db8::/32'], '203.0.113.0/24', ['198.51.100.0/24'], '*kali*', ['arn:aws:sts::*:assumed-role/BreakGlass*/*'], '^aws-cli/', 'not a cidr'),
);

const value = fc.oneof(
  { weight: 6, arbitrary: literal },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      { fact: 'recipientAccountId' }, { fact: 'lists', path: '$.trusted' }, { fact: 'lists', path: '$.globs' }, { fact: 'userIdentity', path: '$.accountId' },
      { fact: 'lists', path: '$.missing' }, { fact: 'lists', path: '$.empty' },
      // References to fields that are often missing or null.
      { fact: 'requestParameters', path: '$.userName' }, { fact: 'errorCode' }, { fact: 'requestParameters', path: '$.collectionId', params: { a: 1 } },
      { fact: 'requestParameters', path: '$..bucket' }, { fact: 'requestParameters', path: '$[?(@.bucket)]' },
    ),
  },
);

const leaf = fc
  .record(
    {
      fp: fc.constantFrom(...FACTS_WITH_PATHS),
      operator: fc.constantFrom(...OPERATORS),
      value,
      params: fc.option(fc.constantFrom({ a: 1 }, {}), { freq: 8, nil: undefined }),
      priority: fc.option(fc.constantFrom(1, 2, 3), { freq: 6, nil: undefined }),
    },
    { requiredKeys: ['fp', 'operator', 'value'] },
  )
  .map(({ fp, operator, value: v, params, priority }) => ({
    fact: fp[0],
    operator,
    value: v,
    ...(fp[1] ? { path: fp[1] } : {}),
    ...(params !== undefined ? { params } : {}),
    ...(priority !== undefined ? { priority } : {}),
  }));

/** Condition shapes json-rules-engine refuses or reads in its own way (it reads `any`, then `all`, then `not`). */
const oddNode = (tie: (key: string) => fc.Arbitrary<unknown>) =>
  fc.oneof(
    fc.record({ all: fc.array(tie('node'), { maxLength: 2 }), any: fc.array(tie('node'), { maxLength: 2 }) }),
    fc.record({ all: fc.array(tie('node'), { maxLength: 2 }), not: tie('node') }),
    fc.record({ any: fc.array(tie('node'), { maxLength: 2 }), not: tie('node') }),
    fc.record({ all: fc.array(tie('node'), { maxLength: 3 }), priority: fc.constantFrom(1, 2) }),
    fc.constantFrom({ condition: 'shared' }, { not: [] }, { all: {} }, {}, { fact: 'eventName', operator: 'equal' }, null, 'x'),
  );

const { node } = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: leaf },
    { weight: 1, arbitrary: fc.record({ all: fc.array(tie('node'), { minLength: 0, maxLength: 3 }) }) },
    { weight: 1, arbitrary: fc.record({ any: fc.array(tie('node'), { minLength: 0, maxLength: 3 }) }) },
    { weight: 1, arbitrary: fc.record({ not: tie('node') }) },
    { weight: 1, arbitrary: oddNode(tie) },
  ),
}));

const top = fc.oneof(
  { weight: 4, arbitrary: fc.record({ all: fc.array(node, { minLength: 1, maxLength: 4 }) }) },
  { weight: 4, arbitrary: fc.record({ any: fc.array(node, { minLength: 1, maxLength: 4 }) }) },
  { weight: 4, arbitrary: fc.record({ not: node }) },
  { weight: 1, arbitrary: fc.record({ all: fc.array(node, { maxLength: 2 }), any: fc.array(node, { maxLength: 2 }) }) },
  // json-rules-engine refuses a root without all/any/not/condition: every record is a rule error.
  { weight: 1, arbitrary: leaf },
);

/** A pack of 1-5 generated rules (not validated: the evaluator must cope with invalid ones too). */
export const arbPack: fc.Arbitrary<RulePack> = fc.array(top, { minLength: 1, maxLength: 5 }).map((conds) => ({
  lists: {
    trusted: { name: 'trusted', description: '', items: ['10.0.0.0/8', '198.51.100.0/24', '2001:db8::/32'], file: 'lists/trusted.json' },
    globs: { name: 'globs', description: '', items: ['*kali*', 'arn:aws:iam::*:root'], file: 'lists/globs.json' },
    empty: { name: 'empty', description: '', items: [], file: 'lists/empty.json' },
  },
  rules: conds.map(
    (conditions, i): RuleDefinition => ({
      id: `r${i}`, name: `r${i}`, description: '', severity: 'high', enabled: true, tags: [], references: [], tests: [],
      conditions: conditions as RuleDefinition['conditions'], file: `r${i}.json`,
    }),
  ),
}));
