/**
 * Glob matching with `*` (any run of characters, including none and including `/` and `:`)
 * and `?` (exactly one character). Everything else is literal; there is no escaping.
 *
 * Runs in O(text x pattern) worst case with no recursion and no regular expressions, so a
 * hostile user agent or ARN cannot make it backtrack catastrophically.
 */
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
    const pc = pattern.charCodeAt(p);
    if (p < pattern.length && (pc === 63 /* ? */ || pc === text.charCodeAt(t))) {
      p++;
      t++;
    } else if (p < pattern.length && pc === 42 /* * */) {
      starP = p++;
      starT = t;
    } else if (starP !== -1) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern.charCodeAt(p) === 42) p++;
  return p === pattern.length;
}

/**
 * Compiles a glob into a matcher, taking fast paths for the common shapes (`literal`, `prefix*`,
 * `*suffix`, `*infix*`). With `ignoreCase`, the matcher expects text already lower-cased.
 */
export function compileGlob(pattern: string, ignoreCase = false): (text: string) => boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  if (!p.includes('?')) {
    const stars = p.split('*');
    if (stars.length === 1) return (t) => t === p;
    if (stars.length === 2 && stars[1] === '') return (t) => t.startsWith(stars[0] as string);
    if (stars.length === 2 && stars[0] === '') return (t) => t.endsWith(stars[1] as string);
    if (stars.length === 3 && stars[0] === '' && stars[2] === '') return (t) => t.includes(stars[1] as string);
  }
  return (t) => globMatch(p, t);
}
