/**
 * Golden files for the three alert formats (email text + HTML, Slack Block Kit, AWS Chatbot), over
 * the alerts of every shipped rule's positive test cases and over hostile and oversized alerts.
 * A formatting change shows up as a reviewable diff of test/unit/format/golden/.
 *
 *   npx jest test/unit/format                    compare exactly
 *   UPDATE_GOLDEN=1 npx jest test/unit/format    rewrite the golden files, then review `git diff`
 */
import { formatChatbot } from '../../../functions/core/format/chatbot';
import { formatEmail } from '../../../functions/core/format/email';
import { formatSlack } from '../../../functions/core/format/slack';
import type { Alert } from '../../../functions/core/common/types';
import { expectGolden, hostileAlert, namedCopiesAlert, oversizedAlert, packAlerts, staleGoldenFiles, type PackCase } from './fixtures';

let cases: PackCase[] = [];
let ruleIds: string[] = [];

beforeAll(async () => {
  const pack = await packAlerts();
  cases = pack.cases;
  ruleIds = pack.rules.map((r) => r.id);
});

function renderAll(name: string, entries: Array<{ caseName: string; alert: Alert }>): void {
  const emails = entries.map(({ caseName, alert }) => ({ caseName, mail: formatEmail(alert) }));
  expectGolden(
    `${name}.email.txt`,
    emails.map(({ caseName, mail }) => `===== case: ${caseName}\nSubject: ${mail.subject}\n\n${mail.text}`).join('\n'),
  );
  // The HTML part shares its template across cases: one case per rule is enough to review it
  // (the text part, Slack and Chatbot goldens cover every case).
  expectGolden(`${name}.email.html`, emails.slice(0, 1).map(({ caseName, mail }) => `<!-- case: ${caseName.replace(/-->/g, '')} -->\n${mail.html}`).join('\n'));
  expectGolden(`${name}.slack.json`, `${JSON.stringify(entries.map(({ caseName, alert }) => ({ case: caseName, message: formatSlack(alert) })), null, 2)}\n`);
  expectGolden(`${name}.chatbot.json`, `${JSON.stringify(entries.map(({ caseName, alert }) => ({ case: caseName, message: formatChatbot(alert) })), null, 2)}\n`);
}

describe('golden files', () => {
  it('covers every shipped rule with at least two positive cases', () => {
    for (const id of ruleIds) expect({ id, cases: cases.filter((c) => c.ruleId === id).length >= 2 }).toEqual({ id, cases: true });
  });

  it('renders every shipped rule\'s positive test events the same as the golden files', () => {
    for (const id of ruleIds) renderAll(id, cases.filter((c) => c.ruleId === id));
  });

  it('renders hostile values the same as the golden files', () => {
    renderAll('hostile', [{ caseName: 'mentions, links, HTML, bidi, zero-width, newlines, 10,000-character user agent', alert: hostileAlert() }]);
  });

  it('renders oversized values the same as the golden files', () => {
    renderAll('oversized', [{ caseName: 'every value far over every limit', alert: oversizedAlert() }]);
  });

  it('renders named accounts and a cross-account call\'s other copy the same as the golden files', () => {
    renderAll('cross-account-named', [{ caseName: 'the caller\'s copy, delivered after the owner\'s copy was seen', alert: namedCopiesAlert() }]);
  });

  it('leaves no stale golden file behind', () => {
    expect(staleGoldenFiles()).toEqual([]);
  });
});
