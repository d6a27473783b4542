/**
 * Strict JSON parsing for files people edit: a syntax error names its line and column.
 * Uses jsonc-parser (the parser behind VS Code's JSON support) with comments and trailing commas
 * disallowed, so what passes here is plain JSON.
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

export function parseJsonText(text: string): JsonParse {
  const errors: ParseError[] = [];
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const value = parse(body, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (errors.length > 0) {
    const e = errors[0] as ParseError;
    const { line, column } = lineColumn(body, e.offset);
    const code = printParseErrorCode(e.error);
    return { ok: false, message: `invalid JSON at line ${line} column ${column}: ${MESSAGES[code] ?? code}` };
  }
  return { ok: true, value };
}
