import { closest, distance } from 'fastest-levenshtein';

/** ` (did you mean "x"?)` when a known name is close to the unknown one, else ''. */
export function didYouMean(unknown: string, known: readonly string[]): string {
  if (known.length === 0) return '';
  const lower = unknown.toLowerCase();
  const caseOnly = known.find((k) => k.toLowerCase() === lower);
  const best = caseOnly ?? closest(unknown, known as string[]);
  const limit = Math.max(2, Math.floor(unknown.length / 3));
  return caseOnly || distance(unknown, best) <= limit ? ` (did you mean "${best}"?)` : '';
}
