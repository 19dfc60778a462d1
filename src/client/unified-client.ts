/**
 * The seeds' UnifiedLLMClient: one API over every provider, each behind its own pipeline
 * (retry -> breaker -> limiter -> timeout), with fallback across providers.
 *
 * ```ts
 * const llm = new UnifiedLLMClient({ preferredModel: 'gpt-4o-mini', fallback: ['anthropic', 'google'] });
 * const reply = await llm.chat({ messages: [{ role: 'user', content: 'Classify this alert: ...' }], priority: 'high' });
 * for await (const chunk of llm.stream({ messages })) if (chunk.type === 'content') process.stdout.write(chunk.text);
 * ```
 */
import { abortReason } from '../core/abort.js';
import { classifyError } from '../core/classify.js';
import { type Clock, systemClock } from '../core/clock.js';
import { AllProvidersFailedError, AttemptTimeoutError, ConfigError, type ProviderFailureRecord, StreamInterruptedError } from '../core/errors.js';
import type { Disposable, EventChannel, ResilienceEvent } from '../core/events.js';
import { FAILURE_POLICIES } from '../core/failure-kinds.js';
import { dashboardHandler, type DashboardOptions, type DashboardRequestHandler } from '../dashboard/index.js';
import { RATE_DIMENSIONS } from '../limiter/dimensions.js';
import { CAREFUL_START, HTTP_PROVIDER_DELAY_MS } from '../limiter/limiter-options.js';
import type { Priority } from '../limiter/priority.js';
import type { AttemptContext } from '../policy/attempt-context.js';
import type { HealthStatus } from '../policy/health.js';
import type { CallInstrumentation } from '../policy/instrumentation.js';
import { createResilience, type Resilience, type ResilienceStats } from '../policy/resilience.js';
import type { ServiceOptions } from '../policy/service-options.js';
import { type AccountingModel, admissionCharge, estimateInputTokens, keptCharge, withLearnedCharge } from '../providers/accounting.js';
import type { CallSettings } from '../providers/adapters/adapter.js';
import { completeChat } from '../providers/chat-call.js';
import { streamChat, type StreamTimeouts } from '../providers/chat-stream.js';
import { PROVIDER_SPECS, type ProviderSpec, providerOfModel } from '../providers/provider-specs.js';
import { parseRateLimitHeaders } from '../providers/rate-limit-headers.js';
import type { FetchLike, TransportContext } from '../providers/transport.js';
import { countTokens } from '../providers/tokenizer.js';
import { type ChatCompletion, type ChatRequest, type ChatUsage, PROVIDER_IDS, type ProviderId } from '../providers/types.js';
import { AsyncQueue } from './async-queue.js';
import { apiKeyFor, type ProviderOptions, runtimeEnv, type UnifiedLLMClientOptions, validateClientOptions } from './client-options.js';
import { QuotaTracker } from './quota-tracker.js';
import { type Candidate, planRoute } from './router.js';

export interface ChatOptions extends ChatRequest {
  /** Default 'normal'; 'critical' is never held by the limiter (still counted). */
  priority?: Priority;
  signal?: AbortSignal;
  /** Time allowed for the whole call, every provider and retry included, in ms. */
  deadlineMs?: number;
  requestId?: string;
}

export interface ChatResult extends ChatCompletion {
  provider: ProviderId;
  /** Attempts made, on every provider tried. */
  attempts: number;
  /** The provider tried first, when another one answered. */
  fallbackFrom: ProviderId | undefined;
}

export type StreamChunk =
  | { type: 'content'; text: string; provider: ProviderId }
  | { type: 'done'; provider: ProviderId; model: string; usage: Partial<ChatUsage>; finishReason: string | undefined; attempts: number; fallbackFrom: ProviderId | undefined };

interface ConfiguredProvider {
  spec: ProviderSpec;
  apiKey: string;
  baseURL: string;
  model: string;
  maxTokens: number;
  accounting: AccountingModel;
  /** The charge rule was configured: used as given, never learned. */
  chargeConfigured: boolean;
}

const DEFAULT_ATTEMPT_TIMEOUT_MS = 60_000;
/** Less time than this left before the deadline is no time to try another provider. */
const MIN_TIME_TO_TRY_MS = 1;

export class UnifiedLLMClient {
  /** The pipelines behind the client: one service per provider. */
  readonly resilience: Resilience;
  /** Every event of every provider's pipeline, and a `fallback` each time a call moves on to another provider. */
  readonly events: EventChannel<ResilienceEvent>;
  /** Observes every call and attempt to every provider (tracing: `llm-resilience/otel`); see Resilience.instrument. */
  instrument(instrumentation: CallInstrumentation): Disposable {
    return this.resilience.instrument(instrumentation);
  }
  private readonly providers = new Map<ProviderId, ConfiguredProvider>();
  private readonly preferred: Candidate | undefined;
  private readonly fallbacks: Candidate[];
  private readonly quota: QuotaTracker;
  private readonly fetch: FetchLike;
  private readonly clock: Clock;
  private readonly streamTimeouts: StreamTimeouts;

  constructor(options: UnifiedLLMClientOptions = {}) {
    validateClientOptions(options);
    this.clock = options.clock ?? systemClock;
    const env = options.env ?? runtimeEnv();
    const services: Record<string, ServiceOptions> = {};
    for (const id of PROVIDER_IDS) {
      const spec = PROVIDER_SPECS[id];
      const own: ProviderOptions = options.providers?.[id] ?? {};
      const apiKey = apiKeyFor(id, options, spec.apiKeyEnv, env);
      if (!apiKey) continue;
      const configured = {
        spec,
        apiKey,
        baseURL: own.baseURL ?? spec.baseURL,
        model: own.model ?? spec.defaultModel,
        maxTokens: own.maxTokens ?? spec.defaultMaxTokens,
        accounting: { ...spec.accounting, ...own.accounting },
        chargeConfigured: own.accounting?.charge !== undefined,
      };
      // Not enumerable: console.log(client) and util.inspect must not print the key.
      Object.defineProperty(configured, 'apiKey', { enumerable: false });
      this.providers.set(id, configured);
      services[id] = serviceOptions(spec, own, options);
    }
    if (this.providers.size === 0) {
      throw new ConfigError('apiKey', undefined, `an API key for at least one provider (options.providers.<id>.apiKey, options.<id>ApiKey, or ${PROVIDER_IDS.map((id) => PROVIDER_SPECS[id].apiKeyEnv[0]).join(', ')})`);
    }
    this.resilience = createResilience({ services, clock: this.clock, logger: options.logger, store: options.store });
    // One channel: the logger and every subscriber see fallbacks beside the pipelines' own events.
    this.events = this.resilience.events;
    this.quota = new QuotaTracker(this.clock, options.quotaCooldownMs ?? 3_600_000);
    const fetchImpl = options.fetch ?? (globalThis.fetch as FetchLike | undefined);
    if (!fetchImpl) throw new ConfigError('fetch', undefined, 'a fetch implementation (this runtime has no global fetch)');
    this.fetch = fetchImpl;
    this.streamTimeouts = options.stream ?? {};
    const preferredProvider = options.preferredModel ? providerOfModel(options.preferredModel) : undefined;
    if (options.preferredModel && !preferredProvider) {
      throw new ConfigError('preferredModel', options.preferredModel, 'a model of a known provider (gpt-*, o*, claude-*, gemini-*, grok-*, deepseek-*, moonshot-*/kimi-*)');
    }
    const first = preferredProvider ?? [...this.providers.keys()][0]!;
    if (this.providers.has(first)) this.preferred = { provider: first, model: options.preferredModel ?? this.providers.get(first)!.model };
    const fallback = options.fallback ?? [...this.providers.keys()].filter((id) => id !== first);
    this.fallbacks = fallback
      .map((target) => (typeof target === 'string' ? { provider: target, model: undefined } : target))
      .filter((target) => this.providers.has(target.provider))
      .map((target) => ({ provider: target.provider, model: target.model ?? this.providers.get(target.provider)!.model }));
  }

  /** The providers with a key, in the order they were configured. */
  get configuredProviders(): ProviderId[] {
    return [...this.providers.keys()];
  }

  /** One answer, from the preferred provider or a fallback. */
  async chat(options: ChatOptions): Promise<ChatResult> {
    validateRequest(options);
    const deadlineAt = options.deadlineMs === undefined ? Infinity : this.clock.now() + options.deadlineMs;
    const failures: ProviderFailureRecord[] = [];
    let attempts = 0;
    const plan = this.plan(options, failures);
    for (const [index, candidate] of plan.entries()) {
      if (this.deadlinePassed(deadlineAt, candidate.provider, options, failures)) break;
      this.reportFallback(plan, index, failures, options.requestId);
      const call = this.prepare(candidate, options);
      try {
        const completion = await this.resilience.execute(
          candidate.provider,
          async (context) => {
            attempts++;
            const result = await completeChat(call.spec, call.settings, this.transport(call.spec, context), context.signal);
            result.usage ??= await estimatedUsage(call.estimatedInput, result.content, call.settings.model);
            context.reportUsage(keptCharge(call.accounting, call.estimatedInput, call.settings.maxTokens, result.usage));
            return result;
          },
          this.executeOptions(call, options, deadlineAt),
        );
        return { ...completion, provider: candidate.provider, attempts, fallbackFrom: fallbackFrom(plan.preferred, candidate.provider) };
      } catch (error) {
        this.handleFailure(candidate.provider, error, options.signal, failures);
      }
    }
    throw this.exhausted(failures, plan.length);
  }

  /**
   * The answer as it is generated. Falls back only before the first content: after it, a failure
   * is a StreamInterruptedError, never a silent clean end.
   */
  async *stream(options: ChatOptions): AsyncGenerator<StreamChunk, void, undefined> {
    validateRequest(options);
    const deadlineAt = options.deadlineMs === undefined ? Infinity : this.clock.now() + options.deadlineMs;
    const failures: ProviderFailureRecord[] = [];
    const plan = this.plan(options, failures);
    // Aborted when the consumer stops early, so the provider call is cancelled and its slot freed.
    const controller = new AbortController();
    const onCallerAbort = () => controller.abort(abortReason(options.signal!));
    if (options.signal?.aborted) onCallerAbort();
    else options.signal?.addEventListener('abort', onCallerAbort, { once: true });
    let attempts = 0;
    try {
      for (const [index, candidate] of plan.entries()) {
        if (this.deadlinePassed(deadlineAt, candidate.provider, options, failures)) break;
        this.reportFallback(plan, index, failures, options.requestId);
        const call = this.prepare(candidate, options);
        const queue = new AsyncQueue<string>();
        const usage: Partial<ChatUsage> = {};
        let finishReason: string | undefined;
        let deliveredChars = 0;
        let text = '';
        const run = this.resilience.execute(
          candidate.provider,
          async (context) => {
            attempts++;
            try {
              for await (const event of streamChat(call.spec, call.settings, this.transport(call.spec, context), context.signal, this.streamTimeouts)) {
                if (event.type === 'content') {
                  deliveredChars += event.text.length;
                  if (usage.outputTokens === undefined) text += event.text;
                  queue.push(event.text);
                } else if (event.type === 'usage') {
                  Object.assign(usage, event.usage);
                } else {
                  finishReason = event.finishReason;
                }
              }
            } catch (error) {
              // Part of the answer is with the caller: no retry, no fallback, no silent end.
              if (deliveredChars > 0 && !controller.signal.aborted) throw new StreamInterruptedError(candidate.provider, deliveredChars, error);
              throw error;
            }
            // Providers that send no usage in streams: counted with the model's tokenizer.
            if (usage.outputTokens === undefined) Object.assign(usage, { ...(await estimatedUsage(call.estimatedInput, text, call.settings.model)), ...usage });
            context.reportUsage(keptCharge(call.accounting, call.estimatedInput, call.settings.maxTokens, usage));
          },
          { ...this.executeOptions(call, options, deadlineAt), signal: controller.signal },
        );
        run.then(
          () => queue.end(),
          (error: unknown) => queue.end({ error }),
        );
        try {
          for (let next = await queue.next(); !next.done; next = await queue.next()) yield { type: 'content', text: next.value, provider: candidate.provider };
          yield { type: 'done', provider: candidate.provider, model: call.settings.model, usage, finishReason, attempts, fallbackFrom: fallbackFrom(plan.preferred, candidate.provider) };
          return;
        } catch (error) {
          if (deliveredChars > 0) throw error;
          this.handleFailure(candidate.provider, error, options.signal, failures);
        }
      }
      throw this.exhausted(failures, plan.length);
    } finally {
      options.signal?.removeEventListener('abort', onCallerAbort);
      controller.abort();
    }
  }

  /** The seeds' shape: `{ circuitBreakers, rateLimiters }` (and call counters per provider). */
  getResilienceStats(): ResilienceStats & { quotaExhausted: Partial<Record<ProviderId, number>> } {
    const quotaExhausted: Partial<Record<ProviderId, number>> = {};
    for (const id of this.providers.keys()) if (this.quota.isExhausted(id)) quotaExhausted[id] = this.quota.remainingMs(id);
    return { ...this.resilience.getStats(), quotaExhausted };
  }

  /**
   * The live dashboard of every provider, as a Node request handler (`GET /dashboard`); see
   * `dashboardHandler` in `llm-resilience/http`. Call its `close()` when done with it.
   */
  dashboardHandler(options?: DashboardOptions): DashboardRequestHandler {
    return dashboardHandler(this, options);
  }

  /** Graceful shutdown: waiting requests reject with ShutdownError, new ones are refused. */
  close(): void {
    this.resilience.close();
  }

  getHealthStatus(): HealthStatus {
    const health = this.resilience.getHealthStatus();
    for (const id of this.providers.keys()) {
      if (!this.quota.isExhausted(id)) continue;
      health.issues.push(`Provider '${id}' is out of quota (tried again in ${Math.ceil(this.quota.remainingMs(id) / 1000)} s)`);
      health.servicesAvailable = health.servicesAvailable.filter((s) => s !== id);
      const service = health.services[id];
      if (service) service.available = false;
    }
    if (health.servicesAvailable.length === 0) health.status = 'unavailable';
    else if (health.issues.length > 0) health.status = 'degraded';
    return health;
  }

  /** The providers to try, in order, and the one that was meant to serve (for `fallbackFrom`). */
  private plan(options: ChatOptions, failures: ProviderFailureRecord[]): Candidate[] & { preferred?: ProviderId } {
    const requested = options.model ? providerOfModel(options.model) : undefined;
    if (options.model && !requested) throw new ConfigError('model', options.model, 'a model of a known provider');
    if (requested && !this.providers.has(requested)) {
      throw new ConfigError('model', options.model, `a model of a configured provider (${[...this.providers.keys()].join(', ')}); '${requested}' has no API key`);
    }
    const preferred = requested ? { provider: requested, model: options.model! } : this.preferred;
    const fallbacks = this.fallbacks.filter((c) => c.provider !== preferred?.provider);
    const { candidates, skipped } = planRoute(preferred, fallbacks, this.resilience, this.quota, (c) => this.prepare(c, options).charge);
    for (const { provider, error } of skipped) failures.push({ provider, kind: classifyError(error), error });
    return Object.assign(candidates, { preferred: preferred?.provider });
  }

  private prepare(candidate: Candidate, options: ChatOptions) {
    const configured = this.providers.get(candidate.provider)!;
    const maxTokens = options.maxTokens ?? configured.maxTokens;
    const accounting = withLearnedCharge(configured.accounting, configured.chargeConfigured, this.resilience.pipeline(candidate.provider).limiters.existingLimiterFor(candidate.model)?.chargeRule);
    const estimatedInput = estimateInputTokens(options.messages, accounting);
    const settings: CallSettings = { request: options, model: candidate.model, maxTokens, stream: false, apiKey: configured.apiKey, baseURL: configured.baseURL };
    return { spec: configured.spec, settings, accounting, estimatedInput, charge: admissionCharge(accounting, estimatedInput, maxTokens) };
  }

  private executeOptions(call: ReturnType<UnifiedLLMClient['prepare']>, options: ChatOptions, deadlineAt: number) {
    const remaining = deadlineAt - this.clock.now();
    // The model picks its own limiter where the provider limits per model (rateLimit.perModel).
    return { ...call.charge, model: call.settings.model, priority: options.priority, signal: options.signal, requestId: options.requestId, deadlineMs: remaining === Infinity ? undefined : Math.max(0, remaining) };
  }

  private transport(spec: ProviderSpec, context: AttemptContext): TransportContext {
    return {
      provider: spec.id,
      fetch: this.fetch,
      clock: this.clock,
      onHeaders: (headers) => context.reportProviderState(parseRateLimitHeaders(spec.surface, headers, this.clock.wallTime())),
    };
  }

  /** True (and the reason recorded) when the call's deadline leaves no time to try `provider`. */
  private deadlinePassed(deadlineAt: number, provider: ProviderId, options: ChatOptions, failures: ProviderFailureRecord[]): boolean {
    // Under a millisecond left is none: a timer set for the deadline may fire a fraction of a
    // millisecond before the clock reads it, and a call started then would have no time at all.
    if (this.clock.now() < deadlineAt - MIN_TIME_TO_TRY_MS) return false;
    failures.push({ provider, kind: 'timeout', error: new AttemptTimeoutError(provider, options.deadlineMs ?? 0) });
    return true;
  }

  /**
   * Emits `fallback` when the plan's candidate at `index` is tried instead of the one before it
   * (the previous candidate, which failed, or the preferred provider, which the router skipped).
   */
  private reportFallback(plan: Candidate[] & { preferred?: ProviderId }, index: number, failures: readonly ProviderFailureRecord[], requestId: string | undefined): void {
    if (!this.events.hasListeners) return;
    const to = plan[index]!.provider;
    const from = index > 0 ? plan[index - 1]!.provider : plan.preferred;
    if (from === undefined || from === to) return;
    let kind: ProviderFailureRecord['kind'] | undefined;
    for (let i = failures.length - 1; i >= 0 && kind === undefined; i--) if (failures[i]!.provider === from) kind = failures[i]!.kind;
    if (kind !== undefined) this.events.emit({ type: 'fallback', service: from, at: this.clock.wallTime(), to, kind, requestId });
  }

  /** Records a provider's failure, or rethrows it when no other provider could do better. */
  private handleFailure(provider: ProviderId, error: unknown, signal: AbortSignal | undefined, failures: ProviderFailureRecord[]): void {
    if (signal?.aborted) throw abortReason(signal);
    const kind = classifyError(error);
    if (kind === 'quota_exhausted') this.quota.markExhausted(provider);
    if (!FAILURE_POLICIES[kind].mayFallBack) throw error;
    failures.push({ provider, kind, error });
  }

  /** The error once no provider is left: the only provider's own error, or every cause. */
  private exhausted(failures: ProviderFailureRecord[], planned: number): unknown {
    if (planned === 1 && failures.length === 1) return failures[0]!.error;
    return new AllProvidersFailedError(failures);
  }
}

/** Usage when the provider reported none: our input estimate, and the output counted by the model's tokenizer. */
async function estimatedUsage(estimatedInput: number, output: string, model: string): Promise<ChatUsage> {
  const outputTokens = await countTokens(output, model);
  return { inputTokens: estimatedInput, outputTokens, totalTokens: estimatedInput + outputTokens };
}

/** The provider that was meant to serve, when another one did. */
function fallbackFrom(preferred: ProviderId | undefined, served: ProviderId): ProviderId | undefined {
  return preferred !== undefined && preferred !== served ? preferred : undefined;
}

function serviceOptions(spec: ProviderSpec, own: ProviderOptions, options: UnifiedLLMClientOptions): ServiceOptions {
  // The provider's defaults are only a start: its headers replace them (a configured limit stays a
  // ceiling). Until the provider's first response has told its limits, one request at a time goes
  // out when none are configured, a few when some are (they may be wrong): careful, not blind.
  const told = own.rateLimit ? RATE_DIMENSIONS.some((name) => own.rateLimit !== false && own.rateLimit?.[name] !== undefined) : false;
  const limits =
    own.rateLimit === false
      ? false
      : {
          initialLimits: spec.defaultLimits,
          initialConcurrency: told ? CAREFUL_START.configured : CAREFUL_START.unconfigured,
          // One limiter per model where the provider limits per model (see ProviderSpec.limitsPerModel).
          perModel: spec.limitsPerModel ?? false,
          // Providers that send no rate-limit headers: the concurrency follows their latency.
          adaptiveConcurrency: 'auto' as const,
          // Per-day limits (when configured) come back at the provider's midnight; a shared store's buckets refill continuously.
          ...(spec.dailyReset && options.store === undefined ? { dailyReset: spec.dailyReset } : {}),
          ...(spec.requestBurstSeconds ? { burst: { requestsPerMinute: Math.max(1, (spec.defaultLimits.requestsPerMinute * spec.requestBurstSeconds) / 60) } } : {}),
          ...own.rateLimit,
        };
  const retry = own.retry ?? (options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {});
  return {
    rateLimit: options.enableRateLimiting === false || limits === false ? false : { providerDelayMs: HTTP_PROVIDER_DELAY_MS, ...limits },
    circuitBreaker: options.enableCircuitBreaker === false ? false : (own.circuitBreaker ?? {}),
    retry,
    timeoutMs: own.timeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS,
  };
}

function validateRequest(options: ChatOptions): void {
  if (options === null || typeof options !== 'object') throw new ConfigError('request', options, 'an object with messages');
  if (!Array.isArray(options.messages) || options.messages.length === 0) throw new ConfigError('messages', options.messages, 'a non-empty array of { role, content }');
  options.messages.forEach((message, index) => {
    if (!message || !['system', 'user', 'assistant'].includes(message.role)) throw new ConfigError(`messages[${index}].role`, message?.role, "'system', 'user' or 'assistant'");
    if (typeof message.content !== 'string') throw new ConfigError(`messages[${index}].content`, message.content, 'a string');
  });
  if (options.maxTokens !== undefined && !(Number.isInteger(options.maxTokens) && options.maxTokens >= 1)) throw new ConfigError('maxTokens', options.maxTokens, 'an integer >= 1');
}
