/**
 * An in-process stand-in for an LLM provider, used only by `llm-resilience demo` until the HTTP
 * mock provider server exists: it enforces its own request limit the way OpenAI and Anthropic
 * do (a bucket of `burst` requests refilled continuously at `perSecond`), answers 429 with
 * retry-after when it is exceeded, and can be told to fail for a while.
 */
export class StandInProvider {
  private level: number;
  private updatedAt = performance.now();
  private outageUntil = 0;
  private throttleOnceAt = -1;
  served = 0;
  rejected429 = 0;
  failed503 = 0;

  constructor(
    readonly name: string,
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly latencyMs: number,
  ) {
    this.level = burst;
  }

  /** Fails every call with 503 for `ms` from now. */
  outage(ms: number): void {
    this.outageUntil = performance.now() + ms;
  }

  /** The next call gets a 429 asking to wait 1 s (an account-wide throttle, as from another client). */
  throttleNext(): void {
    this.throttleOnceAt = 0;
  }

  async call(signal?: AbortSignal): Promise<{ tokens: number }> {
    const now = performance.now();
    this.level = Math.min(this.burst, this.level + ((now - this.updatedAt) / 1000) * this.perSecond);
    this.updatedAt = now;
    if (this.throttleOnceAt === 0) {
      this.throttleOnceAt = -1;
      this.rejected429++;
      throw Object.assign(new Error(`${this.name}: rate limit reached, retry after 1 s`), { status: 429, headers: { 'retry-after': '1' } });
    }
    if (this.level < 1) {
      this.rejected429++;
      throw Object.assign(new Error(`${this.name}: rate limit reached`), { status: 429, headers: { 'retry-after': '1' } });
    }
    this.level -= 1;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, this.latencyMs);
      signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(signal.reason);
      });
    });
    if (performance.now() < this.outageUntil) {
      this.failed503++;
      throw Object.assign(new Error(`${this.name}: service unavailable`), { status: 503 });
    }
    this.served++;
    return { tokens: 150 + Math.round(Math.random() * 100) };
  }
}
