/**
 * Glob matching with `*` (any run of characters, including none and including `/` and `:`)
 * and `?` (exactly one character). Everything else is literal; there is no escaping.
 *
 * Exact meaning, on the text as Unicode code points (a lone UTF-16 surrogate counts as one):
 *   - every `*` in the pattern is a wildcard, also where the text has a literal `*` (CloudTrail
 *     redacts secrets as `***`, and `?*` must match it);
 *   - `?` is one code point: `a?b` matches `a😀b`;
 *   - a literal in the pattern never matches half of a character.
 * `globMatch(p, t)` equals the regular expression `^…$` (flags `su`) with `*` as `.*`, `?` as `.` and
 * every other code point literal; test/unit/operators.test.ts checks exactly that.
 *
 * Runs in O(text x pattern) worst case with no recursion and no regular expressions, so a
 * hostile user agent or ARN cannot make it backtrack catastrophically.
 */

const STAR = 42; // *
const QUESTION = 63; // ?

/** UTF-16 units taken by the code point that starts at `i` (1 for a lone surrogate). */
function width(s: string, i: number): number {
  return (s.codePointAt(i) as number) > 0xffff ? 2 : 1;
}

export function globMatch(pattern: string, text: string, ignoreCase = false): boolean {
  if (ignoreCase) {
    pattern = pattern.toLowerCase();
    text = text.toLowerCase();
  }
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    if (p < pattern.length) {
      const pc = pattern.codePointAt(p) as number;
      // A `*` is always a wildcard: checked before comparing it with the text.
      if (pc === STAR) {
        starP = p++;
        starT = t;
        continue;
      }
      const tc = text.codePointAt(t) as number;
      if (pc === QUESTION || pc === tc) {
        p += pc > 0xffff ? 2 : 1;
        t += tc > 0xffff ? 2 : 1;
        continue;
      }
    }
    if (starP === -1) return false;
    // Let the last `*` take one more character and retry the rest of the pattern after it.
    starT += width(text, starT);
    p = starP + 1;
    t = starT;
  }
  while (p < pattern.length && pattern.charCodeAt(p) === STAR) p++;
  return p === pattern.length;
}

/** True when the string has a lone surrogate (then literal UTF-16 comparisons could split a character). */
function hasLoneSurrogate(s: string): boolean {
  return /\p{Surrogate}/u.test(s);
}

/**
 * Compiles a glob into a matcher, taking fast paths for the common shapes (`literal`, `prefix*`,
 * `*suffix`, `*infix*`, and any pattern whose only wildcard is `*`: starsOnly). With `ignoreCase`, the matcher expects text already lower-cased.
 * The fast paths compare UTF-16 units, which is exact for literals made of whole characters (a whole
 * character cannot match inside another one); a pattern with a lone surrogate takes the general path.
 */
export function compileGlob(pattern: string, ignoreCase = false): (text: string) => boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  if (!p.includes('?') && !hasLoneSurrogate(p)) {
    const stars = p.split('*');
    if (stars.length === 1) return (t) => t === p;
    if (stars.length === 2 && stars[1] === '') return (t) => t.startsWith(stars[0] as string);
    if (stars.length === 2 && stars[0] === '') return (t) => t.endsWith(stars[1] as string);
    if (stars.length === 3 && stars[0] === '' && stars[2] === '') return (t) => t.includes(stars[1] as string);
    return starsOnly(stars);
  }
  return (t) => globMatch(p, t);
}

/**
 * A matcher for a pattern whose only wildcard is `*`, given its pieces between stars (at least two):
 * the first piece must start the text and the last end it, and the pieces between must occur in
 * order, each found at its leftmost place after the one before (taking the leftmost occurrence
 * never loses a match, since any later one leaves less text for the rest). Linear in the text for
 * each piece, with no backtracking; exact on UTF-16 units for the same reason as the fast paths.
 */
function starsOnly(pieces: readonly string[]): (text: string) => boolean {
  const first = pieces[0] as string;
  const last = pieces[pieces.length - 1] as string;
  const middle = pieces.slice(1, -1).filter((m) => m !== '');
  const min = first.length + last.length;
  return (t) => {
    if (t.length < min || !t.startsWith(first) || !t.endsWith(last)) return false;
    const end = t.length - last.length;
    let at = first.length;
    for (const m of middle) {
      const i = t.indexOf(m, at);
      if (i === -1 || i + m.length > end) return false;
      at = i + m.length;
    }
    return true;
  };
}
