/**
 * The randomness behind one generated request: a sequence of numbers fast-check draws (and shrinks
 * towards zero) plus a few strings it draws. Every decision the builders make reads the next number,
 * so a shrunk sequence is a simpler request: 0 always means the plainest option (no garbage, the
 * first field, no alias), and a sequence that runs out reads as zeros.
 */
export class Choices {
  private next = 0;
  /**
   * Whether this request is one of the hostile ones: only they carry garbage, so that the others
   * are well-formed enough to reach the resolvers and the data (garbage in every part of every
   * request would be refused by validation every time).
   */
  hostile = false;

  constructor(
    private readonly numbers: readonly number[],
    private readonly strings: readonly string[],
  ) {}

  /** A whole number in [0, n). */
  below(n: number): number {
    if (n <= 1) return 0;
    const value = this.numbers[this.next++] ?? 0;
    return value % n;
  }

  /** True with about `percent` % probability; false for a zero, so shrinking removes the option. */
  chance(percent: number): boolean {
    return this.below(100) >= 100 - percent;
  }

  /** True with about `percent` % probability in a hostile request; never in another. */
  garbage(percent: number): boolean {
    return this.hostile && this.chance(percent);
  }

  pick<T>(items: readonly [T, ...T[]]): T;
  pick<T>(items: readonly T[]): T | undefined;
  pick<T>(items: readonly T[]): T | undefined {
    return items[this.below(items.length)];
  }

  /** One of the strings fast-check drew, or "" when it drew none. */
  drawnString(): string {
    return this.strings[this.below(this.strings.length)] ?? "";
  }
}
