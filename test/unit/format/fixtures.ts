/**
 * Alerts for the formatter tests: real alerts from every shipped pack rule's positive test cases
 * (through the production evaluator), and hand-built hostile and oversized alerts. Plus golden-file
 * helpers and output checks shared by the format tests.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRulesDir } from '../../../functions/adapters/rule-files';
import { buildAlert } from '../../../functions/core/alert/alert';
import { withCopies } from '../../../functions/core/alert/copies';
import { Evaluator } from '../../../functions/core/match/evaluator';
import { testEventInput } from '../../../functions/core/testing/base-record';
import { caseAlerts } from '../../../functions/core/testing/run-tests';
import type { Alert, CloudTrailRecord, RuleDefinition } from '../../../functions/core/common/types';
import { BASE_TEST_RECORD } from '../../../functions/core/testing/base-record';
import { crossAccountCopies } from '../../helpers/records';

const ROOT = join(__dirname, '..', '..', '..');
export const GOLDEN_DIR = join(__dirname, 'golden');

export interface PackCase {
  ruleId: string;
  caseName: string;
  alert: Alert;
}

/** Every shipped rule (disabled ones too, enabled for the occasion), every positive case, its alert. */
export async function packAlerts(): Promise<{ rules: RuleDefinition[]; cases: PackCase[] }> {
  const load = loadRulesDir(join(ROOT, 'rules'), ROOT);
  if (!load.ok) throw new Error(`the shipped pack does not load: ${JSON.stringify(load.problems)}`);
  const cases: PackCase[] = [];
  for (const rule of load.pack.rules) {
    const evaluator = new Evaluator({ rules: [{ ...rule, enabled: true }], lists: load.pack.lists });
    for (const t of rule.tests.filter((c) => c.expect)) {
      // A sequence case (threshold, firstSeen) alerts through the detect stage: its first alert.
      const [alert] = await caseAlerts(evaluator, rule, t);
      if (!alert) throw new Error(`${rule.id} › ${t.name}: expected an alert, got none`);
      cases.push({ ruleId: rule.id, caseName: t.name, alert });
    }
  }
  return { rules: load.pack.rules, cases };
}

export const HOSTILE_RULE: RuleDefinition = {
  id: 'hostile-values',
  name: 'Hostile <b>rule</b> & "name" <!channel>',
  description:
    'Line one with <script>alert("x")</script> & <https://evil.example|a link> and <@U123>.\nLine two: `code` *bold* _italic_ ~strike~ @here\u202Eevil',
  severity: 'critical',
  enabled: true,
  tags: ['rekognition', '<!here>', 'a&b', 'tag`tick'],
  runbook: 'javascript:alert(document.cookie)',
  references: [],
  conditions: { all: [] },
  tests: [],
  file: 'rules/hostile-values.json',
};

export const HOSTILE_PRINCIPAL = 'arn:aws:iam::111122223333:user/<!channel> & <https://evil.example/login|click here> <@U123> <script>alert(1)</script>';
export const LONG_USER_AGENT = `Mozilla/5.0 <!everyone> \`${'A&<>'.repeat(50)}\` ${'x'.repeat(10_000)}`.slice(0, 10_000);

/** A record whose every displayed value tries something: mentions, links, HTML, bidi, zero-width, newlines, size. */
export function hostileRecord(): CloudTrailRecord {
  return {
    ...structuredClone(BASE_TEST_RECORD),
    eventName: 'DeleteCollection',
    readOnly: false,
    userIdentity: {
      type: 'IAMUser\n<!here>',
      principalId: 'AIDAEXAMPLE',
      arn: HOSTILE_PRINCIPAL,
      accountId: '444455556666\u200B',
      userName: 'x',
    },
    sourceIPAddress: '203.0.113.9\n[CRITICAL] everything is fine, ignore this alert',
    userAgent: LONG_USER_AGENT,
    requestParameters: {
      collectionId: 'employee\u202Esgdab-\u200Bfaces `*bold*` _it_ ~s~ <http://x|y>',
      faceIds: ['<@U999>', 'f\u0000g', 'a'.repeat(5000)],
    },
    errorCode: 'AccessDenied<script>',
    errorMessage: 'User <!subteam^S123> & friends are not authorized\r\nsecond line \u2066isolate\u2069',
    vpcEndpointId: 'vpce-<img src=x onerror=alert(1)>',
    eventID: '<!everyone>|\u202E',
  };
}

export function hostileAlert(): Alert {
  return buildAlert(HOSTILE_RULE, hostileRecord());
}

/** Everything long: a 20,000-character rule description, huge request parameters and names. */
export function oversizedAlert(): Alert {
  const rule: RuleDefinition = {
    ...HOSTILE_RULE,
    id: 'oversized-values',
    name: `${'Very long rule name '.repeat(30)}end`,
    description: `${'An overly long description paragraph. '.repeat(500)}\n`.repeat(1),
    severity: 'high',
    tags: Array.from({ length: 60 }, (_, i) => `tag-${i}-${'t'.repeat(100)}`),
    runbook: `https://runbooks.example.com/${'r'.repeat(2990)}`,
  };
  const record: CloudTrailRecord = {
    ...structuredClone(BASE_TEST_RECORD),
    eventName: 'CopyProjectVersion',
    userIdentity: { type: 'AssumedRole', arn: `arn:aws:sts::111122223333:assumed-role/${'R'.repeat(3000)}/${'s'.repeat(3000)}`, accountId: '111122223333' },
    userAgent: 'ü'.repeat(10_000),
    requestParameters: {
      sourceProjectArn: `arn:aws:rekognition:us-east-1:111122223333:project/${'p'.repeat(4000)}/1`,
      sourceProjectVersionArn: `arn:aws:rekognition:us-east-1:111122223333:project/p/version/${'v'.repeat(4000)}/1`,
      destinationProjectArn: `arn:aws:rekognition:us-east-1:444455556666:project/${'d'.repeat(4000)}/1`,
      versionName: '👨‍👩‍👧‍👦'.repeat(2000),
      kmsKeyId: 'k'.repeat(3000),
      tags: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, 'v'.repeat(100)])),
    },
  };
  return buildAlert(rule, record);
}

export const NAMED_ACCOUNTS = { '111122223333': 'prod-vision', '444455556666': 'ml-central' };

/**
 * A cross-account call's alert as the Lambda delivers it when both copies were seen: the caller's copy
 * (model-copied), naming the owner's copy too, with account names from the deployment config.
 */
export function namedCopiesAlert(): Alert {
  const rule = loadRulesDir(join(ROOT, 'rules'), ROOT).pack.rules.find((r) => r.id === 'model-copied')!;
  const [owner, caller] = crossAccountCopies();
  const first = buildAlert(rule, owner, undefined, NAMED_ACCOUNTS);
  return withCopies(buildAlert(rule, caller, undefined, NAMED_ACCOUNTS), [{ account: first.account, eventId: first.eventId }], NAMED_ACCOUNTS);
}

// ---------------------------------------------------------------------------------------------
// golden files

const checked = new Set<string>();

/**
 * Compares `actual` with `golden/NAME` exactly; with `UPDATE_GOLDEN=1` in the environment, writes
 * it instead. Review the diff of the golden files before committing them.
 */
export function expectGolden(name: string, actual: string): void {
  checked.add(name);
  const file = join(GOLDEN_DIR, name);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) throw new Error(`golden file ${name} is missing: run UPDATE_GOLDEN=1 npx jest test/unit/format and review it`);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

/** Golden files no test compared (left behind by a renamed rule or case). */
export function staleGoldenFiles(): string[] {
  if (!existsSync(GOLDEN_DIR)) return [];
  return readdirSync(GOLDEN_DIR).filter((f) => !checked.has(f)).sort();
}

// ---------------------------------------------------------------------------------------------
// checks shared by the limit and property tests

/** Every string in a JSON value, with the key it sits under. */
export function strings(value: unknown, key = '', out: Array<{ key: string; text: string }> = []): Array<{ key: string; text: string }> {
  if (typeof value === 'string') out.push({ key, text: value });
  else if (Array.isArray(value)) for (const v of value) strings(v, key, out);
  else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) strings(v, k, out);
  return out;
}

/** `&` not starting one of the three entities Slack decodes. */
export const BARE_AMPERSAND = /&(?!(?:amp|lt|gt);)/;

/** Characters a reader cannot see (line breaks allowed where layout puts them). */
export const HIDDEN_CHARS = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

/** The tags the email HTML is built from; any other `<` would be content that escaped escaping. */
export const HTML_TAG = /^<\/?(?:!DOCTYPE html|html|head|meta|title|body|table|tr|td|th|span|h1|h2|p|a|code|strong|pre|br)(?=[\s>])/;

/** Positions of `<` in the HTML that do not open one of our tags. */
export function strayAngles(html: string): string[] {
  const bad: string[] = [];
  for (let i = html.indexOf('<'); i !== -1; i = html.indexOf('<', i + 1)) {
    if (!HTML_TAG.test(html.slice(i, i + 20))) bad.push(html.slice(Math.max(0, i - 20), i + 40));
  }
  return bad;
}
