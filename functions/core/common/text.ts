/** Small pure helpers for text that ends up in alerts. */

/** One line: control characters and line breaks become spaces, runs of spaces collapse, ends trimmed. */
export function oneLine(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/\s{2,}/g, ' ').trim();
}

/** Cuts a string to at most `max` characters (code points), marking the cut with an ellipsis. */
export function truncate(value: string, max: number): string {
  const chars = Array.from(value);
  if (chars.length <= max) return value;
  return `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** The short form of an ARN for titles: `assumed-role/Admin/JorgeSouza` for an STS session ARN. */
export function shortArn(arn: string): string {
  if (!arn.startsWith('arn:')) return arn;
  const parts = arn.split(':');
  if (parts.length < 6) return arn;
  const resource = parts.slice(5).join(':');
  return resource === 'root' ? `root (${parts[4]})` : resource;
}

/**
 * Characters that can change what a terminal or a page shows beyond their own glyph: C0 and C1
 * controls (ESC sequences, CR overwrites, backspace), DEL, line/paragraph separators, and the
 * Unicode bidirectional controls (U+202E "right-to-left override" and friends reorder the text
 * around them), plus zero-width and BOM characters that hide text.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE_FOR_DISPLAY = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/**
 * Makes a string from an event, a mute or any other outside source safe to print on a terminal:
 * every character in {@link UNSAFE_FOR_DISPLAY} is shown as a visible escape (`\x1b`, `\u202e`), so
 * nothing can move the cursor, clear the screen, overwrite a line or reorder text, and a reader can
 * still see that the character was there.
 */
export function terminalSafe(value: string): string {
  return value.replace(UNSAFE_FOR_DISPLAY, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * The same characters escaped in JSON text (`\u202e`): JSON.stringify leaves DEL, C1 controls, line
 * separators and bidi controls raw, which a terminal showing `--json` output would act on. The
 * result is still valid JSON and parses to the same value (those characters only occur in strings).
 */
export function jsonTerminalSafe(json: string): string {
  return json.replace(UNSAFE_FOR_DISPLAY, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** True when {@link terminalSafe} would change the string. */
export function hasUnsafeDisplayCharacters(value: string): boolean {
  UNSAFE_FOR_DISPLAY.lastIndex = 0;
  const found = UNSAFE_FOR_DISPLAY.test(value);
  UNSAFE_FOR_DISPLAY.lastIndex = 0;
  return found;
}

/**
 * Any string from an event or the command line as a Markdown code span that renders as the text
 * itself, for a pull-request comment: inside a code span nothing is a link, mention (`@team`), issue
 * reference, emphasis or HTML. Display-unsafe characters become visible escapes first
 * ({@link terminalSafe}, so a line break cannot end a table row), `|` is escaped (GitHub tables split
 * cells on it, even in code spans), and the fence is one backtick longer than any run inside.
 */
export function markdownCode(value: string): string {
  const text = terminalSafe(value).replace(/\|/g, '\\|');
  const longest = Math.max(0, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') || (text.startsWith(' ') && text.endsWith(' ') && text.trim() !== '') ? ' ' : '';
  return `${fence}${pad}${text || ' '}${pad}${fence}`;
}

/** Text for HTML (a `<summary>` in a Markdown comment): `&`, `<`, `>`, quotes escaped, after {@link terminalSafe}. */
export function htmlText(value: string): string {
  return terminalSafe(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** An error as one line for a log or a note: `Name: message` for an Error, else its text. */
export function errorLine(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
