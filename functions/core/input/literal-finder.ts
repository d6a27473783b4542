/**
 * Answers "does this literal occur in the text between `start` and `end`?" for ranges visited in
 * increasing order (the records of one document), finding each literal's occurrences once: the
 * next occurrence of each literal is remembered until a range starts past it. So a literal that
 * occurs nowhere costs one indexOf over the text, not one per record (raw-document.ts).
 */
export class LiteralFinder {
  private readonly next = new Map<string, number>();
  private start = 0;
  private end = 0;

  constructor(private readonly text: string) {}

  /** The range `contains` looks in; each call's start must be at or after the last one's. */
  range(start: number, end: number): void {
    this.start = start;
    this.end = end;
  }

  /** Whether `literal` occurs wholly inside the current range. */
  readonly contains = (literal: string): boolean => {
    let at = this.next.get(literal);
    // `at` is the first occurrence at or after some earlier start (-1: none): still right unless
    // this range starts past it.
    if (at === undefined || (at !== -1 && at < this.start)) {
      at = this.text.indexOf(literal, this.start);
      this.next.set(literal, at);
    }
    return at !== -1 && at + literal.length <= this.end;
  };
}
