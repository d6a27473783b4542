/**
 * What a person sees of accounts: the recording account (with its configured name) and region in the
 * subject, heading, Slack header and Chatbot title; which account to sign in to for the CloudTrail
 * link; and, for a cross-account call, the other accounts that recorded it. (Golden files of the
 * same alert: golden/cross-account-named.*.)
 */
import { join } from 'node:path';
import { loadRulesDir } from '../../../functions/adapters/rule-files';
import { buildAlert } from '../../../functions/core/alert/alert';
import { formatChatbot } from '../../../functions/core/format/chatbot';
import { formatEmail } from '../../../functions/core/format/email';
import { formatSlack } from '../../../functions/core/format/slack';
import type { Alert } from '../../../functions/core/common/types';
import { crossAccountCopies } from '../../helpers/records';
import { namedCopiesAlert, NAMED_ACCOUNTS as NAMES } from './fixtures';

const ROOT = join(__dirname, '..', '..', '..');
const pack = loadRulesDir(join(ROOT, 'rules'), ROOT).pack;

describe('accounts in alerts', () => {
  const alert = namedCopiesAlert();

  it('email: subject, heading and WHERE name the account and region; the link says where to sign in; the other copy is listed', () => {
    const mail = formatEmail(alert);
    expect(mail.subject).toBe('[MEDIUM] Custom Labels model version copied in ml-central/us-east-1 by job-17');
    expect(mail.text).toContain('[MEDIUM] Custom Labels model version copied\nAccount 444455556666 (ml-central), region us-east-1\n');
    expect(mail.text).toContain('in account 444455556666 (ml-central, us-east-1) from 198.51.100.90');
    expect(mail.text).toContain('#/events/c5b6a7d8-6666-4e9f-8a0b-000000000022\n                    sign in to account 444455556666 (ml-central) to open it\n');
    expect(mail.text).toMatch(/\n {2}Account +444455556666 \(ml-central\)\n/);
    expect(mail.text).toMatch(/\n {2}Also recorded by +111122223333 \(prod-vision\) as event a1d2e3f4-5555-4b6c-9d7e-000000000021\n/);
    expect(mail.text).toMatch(/\n {2}Shared event ID +0b7c3f5e-4444-4a1b-8c2d-000000000020\n/);
    expect(mail.html).toContain('Account <code style="font-family:Menlo,Consolas,monospace;font-size:13px;background:#f1f3f4;padding:1px 4px;word-break:break-all">444455556666</code> <strong>ml-central</strong>');
    expect(mail.html).toContain('CloudTrail: sign in to account 444455556666 (ml-central) to open it.');
  });

  it('Slack: header, account field and context', () => {
    const slack = formatSlack(alert);
    expect((slack.blocks[0] as { text: { text: string } }).text.text).toBe(':large_orange_circle: MEDIUM · Custom Labels model version copied · ml-central/us-east-1');
    const fields = (slack.blocks[2] as { fields: Array<{ text: string }> }).fields.map((f) => f.text);
    expect(fields).toContain('*Account / region*\n`444455556666` ml-central / `us-east-1`');
    const context = JSON.stringify(slack.blocks.at(-1));
    expect(context).toContain('CloudTrail: sign in to account 444455556666 (ml-central) to open it');
    expect(context).toContain('Also recorded by `111122223333 (prod-vision)` as event `a1d2e3f4-5555-4b6c-9d7e-000000000021` (shared event `0b7c3f5e-4444-4a1b-8c2d-000000000020`)');
    expect(slack.text).toContain('in 444455556666/us-east-1 (ml-central)');
  });

  it('Chatbot: title, next step, keywords and context', () => {
    const n = formatChatbot(alert) as { content: { title: string; nextSteps: string[]; keywords: string[]; description: string }; metadata: { additionalContext: Record<string, string> } };
    expect(n.content.title).toBe(':large_orange_circle: [MEDIUM] Custom Labels model version copied · ml-central/us-east-1');
    expect(n.content.nextSteps[0]).toBe('Open the event in CloudTrail (sign in to account 444455556666 (ml-central)): https://us-east-1.console.aws.amazon.com/cloudtrail/home?region=us-east-1#/events/c5b6a7d8-6666-4e9f-8a0b-000000000022');
    expect(n.content.keywords).toContain('ml-central');
    expect(n.content.description).toContain('• *Also recorded by:* 111122223333 (prod-vision) as event a1d2e3f4-5555-4b6c-9d7e-000000000021');
    expect(n.metadata.additionalContext).toMatchObject({ account: '444455556666', accountName: 'ml-central', region: 'us-east-1' });
  });

  it('names the caller account too, when it is named', () => {
    const [owner] = crossAccountCopies();
    expect(formatEmail(buildAlert(pack.rules.find((r) => r.id === 'cross-account-caller')!, owner, undefined, NAMES)).text).toMatch(/\n {2}Caller account +444455556666 \(ml-central\)\n/);
  });

  it('ignores names and copies of the wrong shape (an alert read back from a message)', () => {
    const odd = { ...alert, accountNames: { '444455556666': 7, __proto__: { x: 1 } }, recordedBy: [null, { account: 1 }, 'x'] } as unknown as Alert;
    const mail = formatEmail(odd);
    expect(mail.subject).toContain(' in 444455556666/us-east-1 ');
    expect(mail.text).not.toContain('Also recorded by');
  });
});
