/**
 * Answers "does this literal occur in the text between `start` and `end`?" for ranges visited in
 * increasing order (the records of one document), finding each literal's occurrences once: the
 * next occurrence of each literal is remembered until a range starts past it. So a literal that
 * occurs nowhere costs one indexOf over the text, not one per record (raw-document.ts).
 */
export class LiteralFinder {
  private readonly next = new Map<string, number>();
  /** Each literal as UTF-8 bytes, when the finder looks in bytes. */
  private readonly needles: Map<string, Buffer> | undefined;
  private start = 0;
  private end = 0;

  /**
   * `text`: a text, or the bytes of an ASCII one (raw-ascii.ts), positions the same: a literal with a
   * character that is not ASCII is then found nowhere, as in the text.
   */
  constructor(private readonly text: string | Buffer) {
    this.needles = typeof text === 'string' ? undefined : new Map();
  }

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
    const needles = this.needles;
    if (needles === undefined) {
      if (at === undefined || (at !== -1 && at < this.start)) {
        at = (this.text as string).indexOf(literal, this.start);
        this.next.set(literal, at);
      }
      return at !== -1 && at + literal.length <= this.end;
    }
    let needle = needles.get(literal);
    if (needle === undefined) needles.set(literal, (needle = Buffer.from(literal, 'utf8')));
    if (at === undefined || (at !== -1 && at < this.start)) {
      at = (this.text as Buffer).indexOf(needle, this.start);
      this.next.set(literal, at);
    }
    return at !== -1 && at + needle.length <= this.end;
  };
}
