/**
 * Strict JSON parsing for files people edit: a syntax error names its line and column.
 * Uses jsonc-parser (the parser behind VS Code's JSON support) with comments and trailing commas
 * disallowed, so what passes here is plain JSON. Nesting is bounded before anything parses or walks
 * the value (the parser, the schema validator and json-rules-engine all recurse), so a hostile file
 * is an error naming where it went too deep, never a stack overflow.
 */
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';

export type JsonParse = { ok: true; value: unknown } | { ok: false; message: string };

export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

const MESSAGES: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'property name expected',
  ValueExpected: 'value expected',
  ColonExpected: '":" expected',
  CommaExpected: '"," expected',
  CloseBraceExpected: '"}" expected',
  CloseBracketExpected: '"]" expected',
  EndOfFileExpected: 'end of file expected (more than one JSON value?)',
  InvalidCommentToken: 'comments are not allowed in JSON',
  UnexpectedEndOfComment: 'comments are not allowed in JSON',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'unexpected end of number',
  InvalidUnicode: 'invalid unicode escape',
  InvalidEscapeCharacter: 'invalid escape character',
  InvalidCharacter: 'invalid character in string',
};

/** How deep arrays and objects may nest in a file people edit (a rule's conditions need far fewer). */
export const MAX_JSON_DEPTH = 100;

/**
 * The offset of the bracket that first nests deeper than `max`, or -1. A linear scan that skips
 * strings (escapes included); it never recurses, whatever the input.
 */
export function tooDeepAt(text: string, max = MAX_JSON_DEPTH): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return i;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return -1;
}

export function parseJsonText(text: string): JsonParse {
  const errors: ParseError[] = [];
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const deep = tooDeepAt(body);
  if (deep >= 0) {
    const { line, column } = lineColumn(body, deep);
    return { ok: false, message: `nested too deeply at line ${line} column ${column}: at most ${MAX_JSON_DEPTH} levels of arrays and objects` };
  }
  // A valid file (most are) gets JSON.parse's value, the one jsonc-parser builds (own properties,
  // the last of repeated keys, the same numbers) at a fraction of the cost; jsonc-parser then parses
  // only what JSON.parse refuses, for the error's position. Not where a key may spell __proto__
  // (jsonc-parser assigns each key, which for __proto__ sets the prototype; JSON.parse defines it).
  if (!body.includes('__proto__') && !body.includes('\\u')) {
    try {
      return { ok: true, value: JSON.parse(body) as unknown };
    } catch {
      // not JSON: jsonc-parser says where
    }
  }
  const value = parse(body, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (errors.length > 0) {
    const e = errors[0] as ParseError;
    const { line, column } = lineColumn(body, e.offset);
    const code = printParseErrorCode(e.error);
    return { ok: false, message: `invalid JSON at line ${line} column ${column}: ${MESSAGES[code] ?? code}` };
  }
  return { ok: true, value };
}
