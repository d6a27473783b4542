/**
 * JSON sizes for message limits (pure), without recursion: a CloudTrail record can nest
 * `requestParameters` 100,000 levels deep, and `JSON.stringify` overflows the stack a few thousand
 * levels down.
 *
 * `writeJson` produces exactly the text `JSON.stringify` would for JSON data (what `JSON.parse`
 * returns: no `toJSON`, no BigInt), piece by piece with an explicit stack, and can stop early. Sizes
 * are UTF-8 bytes after the text is JSON-encoded `levels` times in all: 1 for a value sent as JSON
 * (an EventBridge `Detail`), 2 for JSON carried as a string inside JSON (the alert in an SNS
 * `MessageStructure: json` message). At either level the size of an object is the sum of its
 * members' sizes plus punctuation, which is what lets `alert-fit.ts` budget field by field.
 */

type Frame = { array: unknown[]; i: number } | { object: Record<string, unknown>; keys: string[]; i: number; written: number };

function isContainer(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

/** Values JSON.stringify leaves out of objects (and writes as null in arrays). */
function skipped(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

/** JSON text of a non-container, or undefined where JSON.stringify skips the value. */
function scalar(value: unknown): string | undefined {
  return skipped(value) ? undefined : JSON.stringify(value);
}

/**
 * Emits the pieces of `JSON.stringify(value)` in order (`'null'` where that returns undefined),
 * each with the nesting depth it sits at. Stops as soon as `emit` returns false; returns whether it
 * got to the end.
 */
export function writeJson(value: unknown, emit: (piece: string, depth: number) => boolean): boolean {
  const stack: Frame[] = [];
  const open = (v: object): boolean => {
    if (Array.isArray(v)) {
      stack.push({ array: v, i: 0 });
      return emit('[', stack.length);
    }
    const object = v as Record<string, unknown>;
    stack.push({ object, keys: Object.keys(object), i: 0, written: 0 });
    return emit('{', stack.length);
  };
  if (isContainer(value)) {
    if (!open(value)) return false;
  } else return emit(scalar(value) ?? 'null', 0);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const depth = stack.length;
    if ('array' in top) {
      if (top.i >= top.array.length) {
        stack.pop();
        if (!emit(']', depth)) return false;
        continue;
      }
      const v = top.array[top.i];
      if (top.i++ > 0 && !emit(',', depth)) return false;
      if (isContainer(v)) {
        if (!open(v)) return false;
      } else if (!emit(scalar(v) ?? 'null', depth)) return false;
      continue;
    }
    let member: [string, unknown] | undefined;
    while (top.i < top.keys.length && member === undefined) {
      const k = top.keys[top.i++]!;
      const v = top.object[k];
      if (!skipped(v)) member = [k, v];
    }
    if (member === undefined) {
      stack.pop();
      if (!emit('}', depth)) return false;
      continue;
    }
    const [k, v] = member;
    if (!emit(`${top.written++ > 0 ? ',' : ''}${JSON.stringify(k)}:`, depth)) return false;
    if (isContainer(v)) {
      if (!open(v)) return false;
    } else if (!emit(scalar(v)!, depth)) return false;
  }
  return true;
}

/** `JSON.stringify(value)` for JSON data of any depth (`'null'` where that gives undefined). */
export function stringifyJson(value: unknown): string {
  const pieces: string[] = [];
  writeJson(value, (p) => {
    pieces.push(p);
    return true;
  });
  return pieces.join('');
}

/**
 * The UTF-8 size and nesting depth of `JSON.stringify(value)`, or undefined as soon as the size
 * would pass `maxBytes` or the depth `maxDepth` (so a huge or deep value costs only what fits).
 */
export function jsonExtent(value: unknown, maxBytes: number, maxDepth: number): { bytes: number; depth: number } | undefined {
  let bytes = 0;
  let deepest = 0;
  const done = writeJson(value, (piece, depth) => {
    bytes += Buffer.byteLength(piece);
    deepest = Math.max(deepest, depth);
    return bytes <= maxBytes && depth <= maxDepth;
  });
  return done ? { bytes, depth: deepest } : undefined;
}

/** UTF-8 bytes of JSON text `json` once it is encoded `levels` times in all (1: as it is). */
export function encodedBytes(json: string, levels: number): number {
  let text = json;
  for (let i = 1; i < levels; i++) text = JSON.stringify(text).slice(1, -1);
  return Buffer.byteLength(text);
}

/** Bytes of a value's JSON at `levels` (see the header). The value must be JSON.stringify-safe. */
export function valueBytes(value: unknown, levels: number): number {
  return encodedBytes(JSON.stringify(value) ?? 'null', levels);
}

const charCosts = new Map<number, number>();

/** Bytes one code point adds inside a JSON string at `levels`. */
function charBytes(ch: string, levels: number): number {
  const code = ch.charCodeAt(0);
  // Printable ASCII other than the quote and the backslash is written as it is at every level.
  if (code >= 0x20 && code < 0x7f && code !== 0x22 && code !== 0x5c) return 1;
  const key = (ch.codePointAt(0) ?? 0) * 8 + levels;
  let cost = charCosts.get(key);
  if (cost === undefined) {
    cost = encodedBytes(JSON.stringify(ch).slice(1, -1), levels);
    if (charCosts.size < 4096) charCosts.set(key, cost);
  }
  return cost;
}

/** The marker a cut string ends with. */
export function cutMarker(left: number): string {
  return `…(${left} more chars)`;
}

/**
 * `value` when its JSON string is at most `maxBytes` at `levels`, otherwise its longest prefix (cut
 * between code points) followed by `…(N more chars)` that is; `undefined` when not even the marker
 * fits. N counts UTF-16 code units, like `string.length`.
 */
export function cutString(value: string, maxBytes: number, levels: number): string | undefined {
  // Every code unit costs at least a byte: a long value is measured only as far as it can be kept.
  if (value.length + 2 <= maxBytes && valueBytes(value, levels) <= maxBytes) return value;
  // Room for the quotes and the longest marker this value can need.
  let room = maxBytes - valueBytes(cutMarker(value.length), levels);
  if (room < 0) return undefined;
  let end = 0;
  for (const ch of value) {
    const cost = charBytes(ch, levels);
    if (cost > room) break;
    room -= cost;
    end += ch.length;
  }
  return value.slice(0, end) + cutMarker(value.length - end);
}
