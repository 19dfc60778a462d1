/** Providers whose account is out of quota: skipped by the router until a cooldown passes. */
import type { Clock } from '../core/clock.js';

export class QuotaTracker {
  private readonly exhaustedUntil = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly cooldownMs: number,
  ) {}

  markExhausted(provider: string): void {
    this.exhaustedUntil.set(provider, this.clock.now() + this.cooldownMs);
  }

  isExhausted(provider: string): boolean {
    const until = this.exhaustedUntil.get(provider);
    if (until === undefined) return false;
    if (this.clock.now() < until) return true;
    this.exhaustedUntil.delete(provider);
    return false;
  }

  /** Ms until `provider` is tried again (0 when it is not marked). */
  remainingMs(provider: string): number {
    const until = this.exhaustedUntil.get(provider);
    return until === undefined ? 0 : Math.max(0, until - this.clock.now());
  }
}
