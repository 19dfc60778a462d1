/** What the function called by a pipeline learns about its attempt, and what it can report back. */
import type { Lease, Usage } from '../limiter/lease.js';
import type { ProviderRateLimitState, RateLimiter } from '../limiter/rate-limiter.js';

export interface AttemptContext {
  readonly service: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** Aborts when the caller aborts or the attempt times out: pass it to the HTTP client. */
  readonly signal: AbortSignal | undefined;
  readonly requestId: string | undefined;
  /** The real usage of this attempt: reconciles the limiter's estimate. */
  reportUsage(usage: Usage): void;
  /** What the provider's rate-limit headers said on this attempt: corrects the limiter. */
  reportProviderState(state: ProviderRateLimitState): void;
}

/** @internal */
export class Attempt implements AttemptContext {
  usage: Usage | undefined = undefined;

  constructor(
    readonly service: string,
    readonly attempt: number,
    public signal: AbortSignal | undefined,
    readonly requestId: string | undefined,
    private readonly limiter: RateLimiter | undefined,
    /** This attempt's admission: the provider's figures on its response are read against it. */
    private readonly lease: Lease | null = null,
  ) {}

  reportUsage(usage: Usage): void {
    this.usage = usage;
  }

  reportProviderState(state: ProviderRateLimitState): void {
    this.limiter?.applyProviderState(state, this.lease ?? undefined);
  }
}
