/**
 * Checks a Slack Block Kit message against the limits Slack enforces (pure), for tests and for
 * anyone who builds or forwards such messages: at most 50 blocks; header plain_text of at most 150
 * characters; section text of at most 3,000 and at most 10 fields of 2,000; context with at most
 * 10 elements; actions with at most 25 elements; button text of 75, url of 3,000 (http/https),
 * action_id of 255 (unique); a non-empty string `text` fallback. Returns one message per problem.
 */
import { SLACK_LIMITS } from './slack';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function textOf(v: unknown, where: string, max: number, problems: string[], type?: 'plain_text' | 'mrkdwn'): void {
  if (!isObj(v)) {
    problems.push(`${where}: not a text object`);
    return;
  }
  if (v.type !== 'plain_text' && v.type !== 'mrkdwn') problems.push(`${where}: type ${String(v.type)}`);
  if (type && v.type !== type) problems.push(`${where}: must be ${type}`);
  if (typeof v.text !== 'string' || v.text.length === 0) problems.push(`${where}: empty text`);
  else if (v.text.length > max) problems.push(`${where}: ${v.text.length} characters (max ${max})`);
}

export function slackLimitProblems(message: unknown): string[] {
  const problems: string[] = [];
  if (!isObj(message)) return ['message: not an object'];
  if (typeof message.text !== 'string' || message.text.trim() === '') problems.push('text: missing fallback text');
  else if (message.text.length > 40000) problems.push(`text: ${message.text.length} characters (max 40000)`);
  const blocks = message.blocks;
  if (!Array.isArray(blocks)) return [...problems, 'blocks: not an array'];
  if (blocks.length === 0) problems.push('blocks: empty');
  if (blocks.length > SLACK_LIMITS.blocks) problems.push(`blocks: ${blocks.length} (max ${SLACK_LIMITS.blocks})`);
  const actionIds = new Set<string>();
  blocks.forEach((b, i) => {
    const at = `blocks[${i}]`;
    if (!isObj(b)) {
      problems.push(`${at}: not an object`);
      return;
    }
    switch (b.type) {
      case 'header':
        textOf(b.text, `${at}.text`, SLACK_LIMITS.headerText, problems, 'plain_text');
        break;
      case 'section': {
        if (b.text === undefined && b.fields === undefined) problems.push(`${at}: needs text or fields`);
        if (b.text !== undefined) textOf(b.text, `${at}.text`, SLACK_LIMITS.sectionText, problems);
        if (b.fields !== undefined) {
          if (!Array.isArray(b.fields) || b.fields.length === 0) problems.push(`${at}.fields: not a non-empty array`);
          else {
            if (b.fields.length > SLACK_LIMITS.fields) problems.push(`${at}.fields: ${b.fields.length} (max ${SLACK_LIMITS.fields})`);
            b.fields.forEach((f, j) => textOf(f, `${at}.fields[${j}]`, SLACK_LIMITS.fieldText, problems));
          }
        }
        break;
      }
      case 'context': {
        const els = b.elements;
        if (!Array.isArray(els) || els.length === 0) problems.push(`${at}.elements: not a non-empty array`);
        else {
          if (els.length > SLACK_LIMITS.contextElements) problems.push(`${at}.elements: ${els.length} (max ${SLACK_LIMITS.contextElements})`);
          els.forEach((e, j) => textOf(e, `${at}.elements[${j}]`, SLACK_LIMITS.sectionText, problems));
        }
        break;
      }
      case 'actions': {
        const els = b.elements;
        if (!Array.isArray(els) || els.length === 0) problems.push(`${at}.elements: not a non-empty array`);
        else {
          if (els.length > SLACK_LIMITS.actionElements) problems.push(`${at}.elements: ${els.length} (max ${SLACK_LIMITS.actionElements})`);
          els.forEach((e, j) => {
            const w = `${at}.elements[${j}]`;
            if (!isObj(e) || e.type !== 'button') {
              problems.push(`${w}: not a button`);
              return;
            }
            textOf(e.text, `${w}.text`, SLACK_LIMITS.buttonText, problems, 'plain_text');
            if (e.url !== undefined) {
              if (typeof e.url !== 'string' || !/^https?:\/\//.test(e.url)) problems.push(`${w}.url: not an http(s) URL`);
              else if (e.url.length > SLACK_LIMITS.buttonUrl) problems.push(`${w}.url: ${e.url.length} characters (max ${SLACK_LIMITS.buttonUrl})`);
            }
            if (typeof e.action_id === 'string') {
              if (e.action_id.length > SLACK_LIMITS.actionId) problems.push(`${w}.action_id: too long`);
              if (actionIds.has(e.action_id)) problems.push(`${w}.action_id: duplicate ${e.action_id}`);
              actionIds.add(e.action_id);
            }
          });
        }
        break;
      }
      case 'divider':
        break;
      default:
        problems.push(`${at}: unexpected block type ${String(b.type)}`);
    }
  });
  return problems;
}
