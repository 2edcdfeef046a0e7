/**
 * When a request must be answered by (PURPOSEQL_REQUEST_TIMEOUT_MS). Once it has passed, the
 * request starts no further database work, and its answer is REQUEST_TIMEOUT with no data — so
 * nothing it read leaves, and nothing of it is audited as released.
 */
export class RequestDeadline {
  private expired = false;
  private readonly at: number;

  constructor(
    readonly limitMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.at = now() + limitMs;
  }

  get passed(): boolean {
    if (!this.expired && this.now() >= this.at) this.expired = true;
    return this.expired;
  }

  /** The HTTP layer's timer fired: the deadline has passed whatever the clock says. */
  expire(): void {
    this.expired = true;
  }

  /** Milliseconds left, 0 once passed. */
  get remainingMs(): number {
    return this.passed ? 0 : Math.max(0, this.at - this.now());
  }
}
