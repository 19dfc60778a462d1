/**
 * Learning how the provider charges tokens per minute at admission (PROVIDERS.md: OpenAI's guide
 * says max(input estimate, max_tokens), its cookbook reserves the sum, Gemini counts input only).
 * The conservative sum is charged until the provider's own `remaining` figures show it charges
 * less.
 *
 * Between two responses' figures R_a and R_b, taken when the provider admitted requests a and b,
 * the provider charged R_a + refill(t_b - t_a) - R_b, as long as its bucket could not have been
 * full in between. What each rule would have charged the requests admitted after a up to b is
 * known here: the window votes for the rule whose prediction is nearest. A cheaper rule is
 * adopted when the last few windows all vote for it (or cheaper); a window voting for a dearer
 * rule than the one in force moves back to it at once, and a 429 forgets everything learned.
 * Should a cheaper rule be adopted wrongly, the provider's figures still lower our view on every
 * response (provider-state.ts), and its first 429 brings the sum back.
 */
import type { Lease } from './lease.js';

export type ChargeRule = 'input+max_tokens' | 'max(input,max_tokens)' | 'input';

/** Dearest first: the order of safety. */
const RULES: readonly ChargeRule[] = ['input+max_tokens', 'max(input,max_tokens)', 'input'];
const R = RULES.length;
/** Admissions remembered (a window and its edges must fit). */
const RECENT = 512;
const OBSERVATIONS = 32;
/** A window must hold this many requests. */
const MIN_REQUESTS = 20;
/** Largest share of a window's charge the two readings of its timing may differ by. */
const TIMING_SHARE = 0.03;
/** Windows that must all point to a cheaper rule before it is adopted. */
const QUORUM = 5;
/** Figures kept as window starts are at least this far apart (ms), so that windows are long. */
const MIN_SPACING_MS = 250;

/** What each rule charges a request, for an input estimate and max output. */
export function chargeOf(rule: ChargeRule, input: number, maxOutput: number): number {
  return rule === 'input+max_tokens' ? input + maxOutput : rule === 'max(input,max_tokens)' ? Math.max(input, maxOutput) : input;
}

interface Observation {
  readonly seq: number;
  /** When we admitted the request, and when its response (with the figure) came back. */
  readonly at: number;
  readonly answeredAt: number;
  readonly remaining: number;
}

export class ChargeLearner {
  /** Per recent admission (slot = seq mod RECENT): its time, and each rule's cumulative prediction. */
  private readonly times = new Float64Array(RECENT);
  private readonly predicted = new Float64Array(RECENT * R);
  private readonly cumulative = new Float64Array(R);
  private seq = 0;
  /** Window starts: figures at least MIN_SPACING_MS apart, since the provider's bucket last may have been full. */
  private readonly observed: Observation[] = [];
  /** The figure of the latest admission seen. */
  private latest: Observation | undefined = undefined;
  private ratePerMs = 0;
  private readonly votes: number[] = [];
  /** Index in RULES of the rule in force. */
  private current = 0;

  /** `lead`: the provider delay, how long a request may take to reach the provider (provider-lead.ts). */
  constructor(private readonly lead: { readonly ms: number }) {}

  /** The rule learned so far (the sum until evidence says otherwise). */
  get rule(): ChargeRule {
    return RULES[this.current]!;
  }

  /** Numbers an admission (its inputTokens and outputTokens are what the rules read). */
  recordAdmission(lease: Lease): void {
    const seq = ++this.seq;
    lease.seq = seq;
    const slot = seq % RECENT;
    this.times[slot] = lease.admittedAt;
    for (let r = 0; r < R; r++) {
      this.cumulative[r] = this.cumulative[r]! + chargeOf(RULES[r]!, lease.inputTokens, lease.outputTokens);
      this.predicted[slot * R + r] = this.cumulative[r]!;
    }
  }

  /**
   * A response's token figure: `remaining` after the provider admitted `lease`'s request, in a
   * bucket of `capacity` refilled at `ratePerMs`. Returns true when the rule in force changed.
   */
  observe(lease: Lease, remaining: number, ratePerMs: number, capacity: number, now: number): boolean {
    if (lease.seq === 0 || !this.remembered(lease.seq) || !(ratePerMs > 0)) return false;
    const b: Observation = { seq: lease.seq, at: lease.admittedAt, answeredAt: now, remaining };
    const latest = this.latest;
    if (latest === undefined || b.at >= latest.at) {
      // Between two figures the provider's level stayed below what the first plus the refill
      // reach: when that is the bucket's capacity, refill may have been lost, and no window
      // across this gap tells the charges.
      if (latest !== undefined && latest.remaining + ratePerMs * (b.at - latest.at + this.lead.ms) > capacity) this.observed.length = 0;
      this.latest = b;
    }
    this.ratePerMs = ratePerMs;
    const verdict = this.judge(b);
    const last = this.observed[this.observed.length - 1];
    if (!last || b.at - last.at >= Math.max(MIN_SPACING_MS, this.lead.ms)) {
      this.observed.push(b);
      if (this.observed.length > OBSERVATIONS) this.observed.shift();
    }
    return verdict === undefined ? false : this.vote(verdict);
  }

  /** The provider refused for its limits: back to the sum until new evidence. */
  reset(): void {
    this.votes.length = 0;
    this.observed.length = 0;
    this.latest = undefined;
    this.current = 0;
  }

  /** A window's vote (the index of the rule whose prediction is nearest), or undefined when no window fits. */
  private judge(b: Observation): number | undefined {
    for (const a of this.observed) {
      if (b.seq - a.seq < MIN_REQUESTS || !this.remembered(a.seq) || b.at <= a.at) continue;
      const charged = a.remaining + this.ratePerMs * (b.at - a.at) - b.remaining;
      if (!(charged > 0)) continue;
      // Whether a figure was taken when the provider admitted the request or as its response left
      // cannot be told from here: a window is only read when both give the same refill (the two
      // requests took about as long), so that the reading holds either way.
      const refillGap = this.ratePerMs * Math.abs(b.answeredAt - a.answeredAt - (b.at - a.at));
      if (refillGap > TIMING_SHARE * charged) continue;
      // Requests admitted near either end may have arrived on the other side of its figure: the
      // window is long, so they move the total a little either way, and several windows must agree.
      const window = this.between(a.seq, b.seq);
      let nearest = 0;
      for (let r = 1; r < R; r++) if (Math.abs(Math.log(charged / window[r]!)) < Math.abs(Math.log(charged / window[nearest]!))) nearest = r;
      return nearest;
    }
    return undefined;
  }

  private vote(verdict: number): boolean {
    const before = this.current;
    this.votes.push(verdict);
    if (this.votes.length > QUORUM) this.votes.shift();
    // A window the rule in force cannot explain: a dearer one at once. A cheaper one only when the
    // last QUORUM windows all allow it.
    if (verdict < this.current) this.current = verdict;
    else if (this.votes.length === QUORUM) this.current = Math.max(this.current, Math.min(...this.votes));
    return this.current !== before;
  }

  private remembered(seq: number): boolean {
    return seq > 0 && this.seq - seq < RECENT - 1;
  }

  /** Each rule's predicted charge of the admissions after `from` up to `to` (sequence numbers). */
  private between(from: number, to: number): Float64Array {
    const out = new Float64Array(R);
    if (to <= from) return out;
    const a = (from % RECENT) * R;
    const b = (to % RECENT) * R;
    for (let r = 0; r < R; r++) out[r] = this.predicted[b + r]! - (from > 0 ? this.predicted[a + r]! : 0);
    return out;
  }

  /** The sequence number of the last admission at or before `time` (as far back as remembered). */
  private seqAt(time: number): number {
    let seq = this.seq;
    const oldest = Math.max(1, this.seq - RECENT + 2);
    while (seq >= oldest && this.times[seq % RECENT]! > time) seq--;
    return Math.max(seq, oldest - 1);
  }
}
