/**
 * What happened to each key: requests received, admitted, refused and why, tokens charged and
 * reported, peak concurrency, a per-second timeline, and the audit's count of admissions that
 * broke the key's own limits (there must never be one).
 *
 * The numbers add up: received = invalid + abandoned + rejected + admitted + queued, and
 * admitted = succeeded + failed + inFlight.
 */
import type { Charge } from './accounting.js';
import { REJECTION_REASONS, type RejectionReason } from './dimensions.js';
import type { LimitViolation } from './limit-audit.js';
import type { LimitScope } from './limit-scope.js';
import type { AccountingModel, ChargeModel, LimitScope as LimitScopeName, MockProvider } from './options.js';
import type { ResolvedKey } from './resolve-config.js';

/** One second of the timeline (seconds since the server started). */
export interface TimelineSecond {
  readonly second: number;
  admitted: number;
  rejected: number;
  /** Tokens charged at admission in this second. */
  tokens: number;
}

/** What happened under one model's limits (a key with `limitScope: 'model'`). */
export interface ModelLedgerReport {
  readonly admitted: number;
  /** Refused for one of the model's limits (429, or held past the wait). */
  readonly rejected: number;
  /** Admissions that broke the model's limits, found by its own audit. Always 0. */
  readonly violations: number;
}

/** A key's ledger, as reported by `GET /_mock/ledger` and `server.ledger(key)`. */
export interface KeyLedgerReport {
  readonly key: string;
  readonly provider: MockProvider;
  readonly accounting: AccountingModel;
  /** What TPM and TPD are charged at admission (the accounting's own, or the key's `charge`). */
  readonly charge: ChargeModel;
  /** Authenticated inference requests. */
  readonly received: number;
  /** Refused as malformed (400, 413). */
  readonly invalid: number;
  /** The client left before admission (during a slowness delay, or while held in the wait queue). */
  readonly abandoned: number;
  readonly admitted: number;
  /** Admitted and answered in full. */
  readonly succeeded: number;
  /** Admitted, then failed: injected errors, stream faults, client gone. */
  readonly failed: number;
  readonly inFlight: number;
  /** Held in the wait queue (DeepSeek's `wait` mode). */
  readonly queued: number;
  readonly rejected: Readonly<Record<RejectionReason, number>>;
  readonly rejectedTotal: number;
  /** Of the rejections, those larger than a bucket: they can never succeed. */
  readonly tooLarge: number;
  /** Net charges after refunds, by kind (`tokens` is what TPM and TPD were charged). */
  readonly charged: Charge;
  /** Usage the responses reported. */
  readonly reported: { readonly inputTokens: number; readonly outputTokens: number };
  readonly peakConcurrency: number;
  readonly timeline: readonly TimelineSecond[];
  /** Admissions that broke the key's limits (every model's, when limited per model), found by the independent audit. Always 0. */
  readonly violations: number;
  /** The first few violations; with limits per model, each names its model. */
  readonly violationDetails: readonly LimitViolation[];
  /** Whether the limits cover the whole key or each model apart. */
  readonly limitScope: LimitScopeName;
  /** `limitScope: 'model'`: each model named so far, in that order. */
  readonly models?: Readonly<Record<string, ModelLedgerReport>>;
}

const MAX_TIMELINE_SECONDS = 3600;
const MAX_KEPT_VIOLATIONS = 20;
const zeroCharge = (): { -readonly [K in keyof Charge]: number } => ({ requests: 0, tokens: 0, inputTokens: 0, outputTokens: 0 });

/** The ledger of one key. */
export class KeyLedger {
  private counts = { received: 0, invalid: 0, abandoned: 0, admitted: 0, succeeded: 0, failed: 0, queued: 0, tooLarge: 0, peakConcurrency: 0, inFlight: 0 };
  private rejected = Object.fromEntries(REJECTION_REASONS.map((r) => [r, 0])) as Record<RejectionReason, number>;
  private charged = zeroCharge();
  private reported = { inputTokens: 0, outputTokens: 0 };
  private timeline = new Map<number, TimelineSecond>();

  constructor(
    private readonly key: ResolvedKey,
    private readonly startedAt: number,
  ) {}

  received(): void {
    this.counts.received++;
  }

  invalid(): void {
    this.counts.invalid++;
  }

  /** The client left before its request was admitted or refused. */
  abandoned(): void {
    this.counts.abandoned++;
  }

  /** A request enters (+1) or leaves (-1) the wait queue. */
  queued(delta: 1 | -1): void {
    this.counts.queued += delta;
  }

  rejectedFor(reason: RejectionReason, tooLarge: boolean, now: number): void {
    this.rejected[reason]++;
    if (tooLarge) this.counts.tooLarge++;
    this.second(now).rejected++;
  }

  admitted(charge: Charge, now: number): void {
    this.counts.admitted++;
    this.counts.inFlight++;
    this.counts.peakConcurrency = Math.max(this.counts.peakConcurrency, this.counts.inFlight);
    for (const field of Object.keys(this.charged) as (keyof Charge)[]) this.charged[field] += charge[field];
    const second = this.second(now);
    second.admitted++;
    second.tokens += charge.tokens;
  }

  /** An admitted request ended; `settled` is what stays charged of `admitted`. */
  released(admitted: Charge, settled: Charge, succeeded: boolean): void {
    this.counts.inFlight--;
    if (succeeded) this.counts.succeeded++;
    else this.counts.failed++;
    for (const field of Object.keys(this.charged) as (keyof Charge)[]) this.charged[field] -= admitted[field] - settled[field];
  }

  reportedUsage(inputTokens: number, outputTokens: number): void {
    this.reported.inputTokens += inputTokens;
    this.reported.outputTokens += outputTokens;
  }

  /** Clears the counts (requests in flight stay counted as such; the scopes restart their audits). */
  reset(): void {
    const { inFlight, queued } = this.counts;
    this.counts = { received: 0, invalid: 0, abandoned: 0, admitted: 0, succeeded: 0, failed: 0, queued, tooLarge: 0, peakConcurrency: inFlight, inFlight };
    this.rejected = Object.fromEntries(REJECTION_REASONS.map((r) => [r, 0])) as Record<RejectionReason, number>;
    this.charged = zeroCharge();
    this.reported = { inputTokens: 0, outputTokens: 0 };
    this.timeline = new Map();
  }

  /** The report, with the audit of each scope the key's requests were admitted in. */
  report(scopes: readonly LimitScope[]): KeyLedgerReport {
    const { received, invalid, abandoned, admitted, succeeded, failed, inFlight, queued, tooLarge, peakConcurrency } = this.counts;
    return {
      key: this.key.apiKey,
      provider: this.key.provider,
      accounting: this.key.accounting,
      charge: this.key.policy.charge,
      received,
      invalid,
      abandoned,
      admitted,
      succeeded,
      failed,
      inFlight,
      queued,
      rejected: { ...this.rejected },
      rejectedTotal: Object.values(this.rejected).reduce((a, b) => a + b, 0),
      tooLarge,
      charged: { ...this.charged },
      reported: { ...this.reported },
      peakConcurrency,
      timeline: [...this.timeline.values()].map((s) => ({ ...s })),
      violations: scopes.reduce((total, scope) => total + scope.audit.violationCount, 0),
      violationDetails: scopes.flatMap((scope) => scope.audit.violations.map((v) => (scope.model === undefined ? v : { ...v, model: scope.model }))).slice(0, MAX_KEPT_VIOLATIONS),
      limitScope: this.key.limitScope,
      ...(this.key.limitScope === 'model'
        ? { models: Object.fromEntries(scopes.map((scope) => [scope.model!, { admitted: scope.admitted, rejected: scope.rejected, violations: scope.audit.violationCount }])) }
        : {}),
    };
  }

  private second(now: number): TimelineSecond {
    const second = Math.floor((now - this.startedAt) / 1000);
    let entry = this.timeline.get(second);
    if (!entry) {
      entry = { second, admitted: 0, rejected: 0, tokens: 0 };
      this.timeline.set(second, entry);
      if (this.timeline.size > MAX_TIMELINE_SECONDS) this.timeline.delete(this.timeline.keys().next().value as number);
    }
    return entry;
  }
}
