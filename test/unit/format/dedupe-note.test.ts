/** "And N more since ..." reaches every channel when a dedupe window held alerts back. */
import { formatChatbot } from '../../../functions/core/format/chatbot';
import { formatEmail } from '../../../functions/core/format/email';
import { formatSlack } from '../../../functions/core/format/slack';
import { slackLimitProblems } from '../../../functions/core/format/slack-limits';
import { hostileAlert } from './fixtures';

const alert = { ...hostileAlert(), suppressedBefore: { count: 3, since: '2026-11-24T10:00:00.000Z' } };

it('says how many alerts were held back, and since when, in email, Slack and Chatbot', () => {
  const mail = formatEmail(alert);
  expect(mail.text).toContain("And 3 more alerts like it since 2026-11-24T10:00:00.000Z, held back by the rule's dedupe window.");
  expect(mail.html).toContain('3 more');
  const slack = formatSlack(alert);
  expect(JSON.stringify(slack)).toContain('*3 more* alerts like it since `2026-11-24T10:00:00.000Z`');
  expect(slackLimitProblems(slack)).toEqual([]);
  expect(JSON.stringify(formatChatbot(alert))).toContain('3 more');
  expect(formatEmail({ ...alert, suppressedBefore: { count: 1, since: 'x' } }).text).toContain('And 1 more alert like it since');
  expect(formatEmail(hostileAlert()).text).not.toContain('more alert');
});
