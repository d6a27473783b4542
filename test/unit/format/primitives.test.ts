/** The formatters' building blocks: resource picking, hidden characters, escaping, safe cutting, links, subjects. */
import { buildAlert } from '../../../functions/core/alert/alert';
import { formatChatbot } from '../../../functions/core/format/chatbot';
import { emailSubject, formatEmail } from '../../../functions/core/format/email';
import { revealedJson, safeHttpUrl } from '../../../functions/core/format/model';
import { resourceFields } from '../../../functions/core/format/resource';
import { codeSpan, formatSlack } from '../../../functions/core/format/slack';
import { slackLimitProblems } from '../../../functions/core/format/slack-limits';
import { clip, clipEscaped, escapeHtml, escapeMrkdwn, joinWithin, reveal, safeCut } from '../../../functions/core/format/text';
import type { Alert, RuleDefinition } from '../../../functions/core/common/types';
import { record } from '../../helpers/records';

describe('resourceFields', () => {
  it('picks the resource members of Rekognition requests, most important first', () => {
    expect(resourceFields('DeleteCollection', { collectionId: 'employee-badges' })).toEqual([{ label: 'Face collection', value: 'employee-badges' }]);
    expect(resourceFields('DeleteStreamProcessor', { name: 'lobby-camera' })).toEqual([{ label: 'Stream processor', value: 'lobby-camera' }]);
    expect(resourceFields('DeleteDataset', { datasetArn: 'arn:aws:rekognition:us-east-1:1:project/p/dataset/train/1' })).toEqual([
      { label: 'Dataset', value: 'arn:aws:rekognition:us-east-1:1:project/p/dataset/train/1' },
    ]);
    expect(resourceFields('DisassociateFaces', { collectionId: 'c', userId: 'emp-1', faceIds: ['a', 'b', 'c', 'd', 'e', 'f', 'g'] })).toEqual([
      { label: 'Face collection', value: 'c' },
      { label: 'User ID', value: 'emp-1' },
      { label: 'Face IDs', value: 'a, b, c, d, e and 2 more' },
    ]);
    expect(resourceFields('StartProjectVersion', { projectVersionArn: 'arn:v', minInferenceUnits: 20 })).toEqual([
      { label: 'Model version', value: 'arn:v' },
      { label: 'Min inference units', value: '20' },
    ]);
    expect(resourceFields('PutProjectPolicy', { projectArn: 'arn:p', policyName: 'share', policyDocument: '{ "Version" : "2012-10-17" }' })).toEqual([
      { label: 'Project', value: 'arn:p' },
      { label: 'Policy name', value: 'share' },
      { label: 'Policy document', value: '{"Version":"2012-10-17"}' },
    ]);
    expect(resourceFields('IndexFaces', { collectionId: 'c', image: { s3Object: { bucket: 'b', name: 'k/x.jpg' } } })).toEqual([
      { label: 'Face collection', value: 'c' },
      { label: 'Image', value: 's3://b/k/x.jpg' },
    ]);
  });

  it('falls back to the compact JSON of the request, and to nothing when there is none', () => {
    expect(resourceFields('CreateFaceLivenessSession', { settings: { auditImagesLimit: 2 } })).toEqual([
      { label: 'Request parameters', value: '{"settings":{"auditImagesLimit":2}}' },
    ]);
    expect(resourceFields('X', { omitted: true })).toEqual([{ label: 'Request parameters', value: 'omitted by CloudTrail (too large)' }]);
    expect(resourceFields('X', { collectionId: 'c', omitted: true })).toEqual([
      { label: 'Face collection', value: 'c' },
      { label: 'Request parameters', value: 'partly omitted by CloudTrail (too large)' },
    ]);
    for (const none of [undefined, null, 'null', '', {}]) expect(resourceFields('ListCollections', none)).toEqual([]);
    expect(resourceFields('X', 'some string')).toEqual([{ label: 'Request parameters', value: 'some string' }]);
    expect(resourceFields('X', [1, 2])).toEqual([{ label: 'Request parameters', value: '[1,2]' }]);
    expect(resourceFields('X', { big: 'x'.repeat(5000) })[0]!.value.length).toBeLessThanOrEqual(1001);
  });
});

describe('text primitives', () => {
  it('reveals hidden characters as [U+XXXX]', () => {
    expect(reveal('a\u202Eb\u200Bc\nd\u0000e\uFEFF\u{E0041}')).toBe('a[U+202E]b[U+200B]c[U+000A]d[U+0000]e[U+FEFF][U+E0041]');
    expect(reveal('plain arn:aws:iam::1:user/ü 👨‍👩‍👧')).toBe('plain arn:aws:iam::1:user/ü 👨[U+200D]👩[U+200D]👧');
    expect(reveal('\uD800x')).toBe('[U+D800]x');
  });

  it('escapes the three Slack control characters and HTML', () => {
    expect(escapeMrkdwn('<!channel> & <@U1>')).toBe('&lt;!channel&gt; &amp; &lt;@U1&gt;');
    expect(escapeHtml(`<a href="x" onclick='y'>&`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;');
  });

  it('cuts between graphemes and never inside an entity', () => {
    expect(clip('abcdef', 4)).toBe('abc…');
    expect(clip('abc', 3)).toBe('abc');
    expect(clip('👨‍👩‍👧👨‍👩‍👧', 9)).toBe('👨‍👩‍👧…');
    expect(clipEscaped('a<b', 5, escapeMrkdwn)).toBe('a…');
    expect(clipEscaped('a<b', 6, escapeMrkdwn)).toBe('a&lt;b');
    expect(clipEscaped('a<bc', 6, escapeMrkdwn)).toBe('a&lt;…');
    expect(clipEscaped(`e${'\u0301'.repeat(50)}x`, 10)).toBe(`e${'\u0301'.repeat(8)}…`);
    expect(safeCut('abc &amp; def', 7)).toBe('abc …');
    expect(safeCut('ab😀cd', 4)).toBe('ab…');
    expect(joinWithin(['one', 'two', 'three'], '\n', 100)).toBe('one\ntwo\nthree');
    expect(joinWithin(['a'.repeat(30), 'b'.repeat(30), 'c'.repeat(30)], '\n', 75).length).toBeLessThanOrEqual(75);
    expect(joinWithin(['a'.repeat(30), 'b'.repeat(30), 'c'.repeat(30)], '\n', 75)).toMatch(/^a{30}\n… \(2 more\)$/);
  });

  it('puts values in code spans that cannot be closed from inside', () => {
    expect(codeSpan('a`b<c>', 100)).toBe('`aˋb&lt;c&gt;`');
    expect(codeSpan('', 100)).toBe('_(empty)_');
    expect(codeSpan('x@here @Channel', 100)).toBe('`x＠here ＠Channel`');
    expect(codeSpan('&&&&&', 10)).toBe('`&amp;…`');
  });

  it('keeps only http(s) links without credentials', () => {
    expect(safeHttpUrl('https://docs.aws.amazon.com/a?b=1&c=<2>')).toBe('https://docs.aws.amazon.com/a?b=1&c=%3C2%3E');
    for (const bad of ['javascript:alert(1)', 'data:text/html,x', 'https://aws.amazon.com@evil.example/', 'https://x.example/\nnext', 'not a url', '', `https://x.example/${'a'.repeat(3000)}`]) {
      expect({ bad, url: safeHttpUrl(bad) }).toEqual({ bad, url: null });
    }
  });

  it('writes hidden characters in the raw event excerpt as JSON escapes, still valid JSON', () => {
    const value = { s: 'a\u202Eb\u2028c\nd', k: '\u{E0041}' };
    const json = revealedJson(value);
    expect(json).toBe('{\n  "s": "a\\u202eb\\u2028c\\nd",\n  "k": "\\udb40\\udc41"\n}');
    expect(JSON.parse(json)).toEqual(value);
  });
});

describe('email subject', () => {
  const rule: RuleDefinition = {
    id: 'r', name: 'Face collection deleted without MFA', description: 'd', severity: 'high', enabled: true, tags: [], references: [], tests: [],
    conditions: { all: [] }, file: 'r.json',
  };

  it('names severity, rule, account and region, call and principal', () => {
    const alert = buildAlert({ ...rule, name: 'Collection deleted' }, record({ eventName: 'DeleteCollection', userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/alice' } }));
    expect(emailSubject(alert)).toBe('[HIGH] Collection deleted in 111122223333/us-east-1: DeleteCollection by user/alice');
  });

  it('names the account by its configured name when it has one', () => {
    const alert = buildAlert(rule, record({ eventName: 'DeleteCollection', awsRegion: 'eu-west-1' }), undefined, { '111122223333': 'prod-vision' });
    expect(emailSubject(alert)).toBe('[HIGH] Face collection deleted without MFA in prod-vision/eu-west-1 by app-session');
  });

  it('drops the call, then keeps only the session name, then shortens the rule name; account and region stay', () => {
    const alert = buildAlert(rule, record({ eventName: 'DeleteCollection' }));
    expect(emailSubject(alert)).toBe('[HIGH] Face collection deleted without MFA in 111122223333/us-east-1 by app-session');
    const long = buildAlert({ ...rule, name: 'Video stream processor created, changed, started or stopped' },
      record({ eventName: 'UpdateStreamProcessor', userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_PowerUserAccess_0a1b2c3d4e5f6789/bob@example.com' } }));
    const s = emailSubject(long);
    expect(s).toBe('[HIGH] Video stream processor created, changed, st... in 111122223333/us-east-1 by bob@example.com');
    expect(s.length).toBeLessThanOrEqual(99);
  });

  it('is ASCII: accents dropped, other characters shown as ?', () => {
    const alert = buildAlert({ ...rule, name: 'Café\u202E collection\nsupprimée' }, record({ userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::1:user/ключ' } }), undefined, { '111122223333': 'prod\u200Bvision' });
    expect(emailSubject(alert)).toBe('[HIGH] Cafe? collection supprimee in prod[U+200B]vision/us-east-1: DetectFaces by user/?');
  });
});

describe('unknown severities', () => {
  const rule: RuleDefinition = { id: 'r', name: 'n', description: 'd', severity: 'low', enabled: true, tags: [], references: [], tests: [], conditions: { all: [] }, file: 'r.json' };

  it('get the neutral marker and colour, even when named like an Object.prototype member', () => {
    for (const severity of ['__proto__', 'constructor', 'toString', 'urgent']) {
      const alert = { ...buildAlert(rule, record()), severity } as unknown as Alert;
      const header = (formatSlack(alert).blocks[0] as { text: { text: string } }).text.text;
      expect(header).toBe(`:white_circle: ${severity.toUpperCase()} · n · 111122223333/us-east-1`);
      expect((formatChatbot(alert) as { content: { title: string } }).content.title).toBe(`:white_circle: [${severity.toUpperCase()}] n · 111122223333/us-east-1`);
      expect(formatEmail(alert).html).toContain('border-top:6px solid #5f6368');
    }
  });
});

describe('slackLimitProblems', () => {
  it('reports every limit a message breaks', () => {
    const msg = {
      text: '',
      blocks: [
        { type: 'header', text: { type: 'mrkdwn', text: 'x'.repeat(151) } },
        { type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'y'.repeat(2001) })) },
        { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'z'.repeat(76) }, url: 'javascript:x', action_id: 'a' }, { type: 'button', text: { type: 'plain_text', text: 'ok' }, url: 'https://x', action_id: 'a' }] },
        ...Array.from({ length: 48 }, () => ({ type: 'divider' })),
      ],
    };
    const problems = slackLimitProblems(msg);
    expect(problems).toEqual(
      expect.arrayContaining([
        'text: missing fallback text',
        'blocks: 51 (max 50)',
        'blocks[0].text: 151 characters (max 150)',
        'blocks[0].text: must be plain_text',
        'blocks[1].fields: 11 (max 10)',
        'blocks[1].fields[0]: 2001 characters (max 2000)',
        'blocks[2].elements[0].text: 76 characters (max 75)',
        'blocks[2].elements[0].url: not an http(s) URL',
        'blocks[2].elements[1].action_id: duplicate a',
      ]),
    );
  });

  it('finds nothing wrong with a formatted alert', () => {
    const rule: RuleDefinition = { id: 'r', name: 'n', description: 'd', severity: 'low', enabled: true, tags: [], references: [], tests: [], conditions: { all: [] }, file: 'r.json' };
    expect(slackLimitProblems(formatSlack(buildAlert(rule, record())))).toEqual([]);
  });
});
