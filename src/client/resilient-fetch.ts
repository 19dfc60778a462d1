/**
 * A `fetch` to hand to the official SDKs: every request goes through the service's pipeline
 * (rate limits with the provider's own accounting, breaker, retries), and the response's
 * rate-limit headers and usage flow back into the limiter, without disturbing what the SDK reads.
 *
 * ```ts
 * const openai = new OpenAI({ apiKey, fetch: resilientFetch({ service: 'openai' }), maxRetries: 0 });
 * const anthropic = new Anthropic({ apiKey, fetch: resilientFetch({ service: 'anthropic' }), maxRetries: 0 });
 * ```
 * Set the SDK's own `maxRetries: 0`: its retries under ours would multiply attempts.
 *
 * A provider's error response, once our retries are done, is handed back to the SDK as a
 * response, so the SDK raises its own typed error (RateLimitError, ...). Our own refusals (an
 * open circuit, a limiter that cannot admit in time) reject the fetch: the SDK reports them as a
 * connection error whose `cause` is our CircuitBreakerError or RateLimitExceededError.
 */
import { type Clock, systemClock } from '../core/clock.js';
import { StreamInterruptedError } from '../core/errors.js';
import { readHeader } from '../core/retry-after.js';
import type { Priority } from '../limiter/priority.js';
import { getDefaultResilience } from '../policy/default-registry.js';
import type { Resilience } from '../policy/resilience.js';
import { type AccountingModel, admissionCharge, estimateInputTokens, keptCharge, withLearnedCharge } from '../providers/accounting.js';
import type { WireAdapter } from '../providers/adapters/adapter.js';
import { PROVIDER_SPECS, type ProviderSpec } from '../providers/provider-specs.js';
import { parseRateLimitHeaders } from '../providers/rate-limit-headers.js';
import { errorFromResponse } from '../providers/response-error.js';
import { SseParser } from '../providers/sse-parser.js';
import { connectionError } from '../providers/transport.js';
import { type ChatMessage, type ChatUsage, PROVIDER_IDS, type ProviderId } from '../providers/types.js';

export interface ResilientFetchOptions {
  /** The pipeline's service name. */
  service: string;
  /** The provider whose API this is (wire format, headers, accounting). Default: `service` when it names one, else guessed from the URL. */
  provider?: ProviderId;
  /** Default: the module-level registry (configureResilience). */
  resilience?: Resilience;
  /** The fetch that really sends. Default: the global fetch. */
  fetch?: typeof fetch;
  priority?: Priority;
  accounting?: Partial<AccountingModel>;
  /** Output tokens reserved when the request sets no max (OpenAI reserves a large default). Default 4096. */
  defaultMaxTokens?: number;
  /** Where warnings go (e.g. the SDK retrying under us). Default console.warn. */
  onWarning?: (message: string) => void;
  clock?: Clock;
}

type FetchInput = Parameters<typeof fetch>[0];

interface ErrorSnapshot {
  status: number;
  statusText: string;
  headers: Headers;
  text: string;
}

const DEFAULT_MAX_TOKENS = 4096;

export function resilientFetch(options: ResilientFetchOptions): typeof fetch {
  const baseFetch = options.fetch ?? globalThis.fetch;
  const clock = options.clock ?? systemClock;
  const warn = options.onWarning ?? ((message: string) => console.warn(message));
  let warnedAboutSdkRetries = false;
  return async function fetchThroughPipeline(input: FetchInput, init?: RequestInit): Promise<Response> {
    const request = await normalize(input, init);
    const spec = PROVIDER_SPECS[options.provider ?? providerOf(options.service, request.url)];
    const resilience = options.resilience ?? getDefaultResilience();
    // A service configured without limits learns them from the provider's headers; per model
    // where the provider limits per model (OpenAI), unless rateLimit.perModel says otherwise.
    const pipeline = resilience.pipeline(options.service);
    pipeline.learnLimitsWhenUnconfigured(spec.limitsPerModel ?? false);
    const body = parseJson(request.body);
    const model = modelOf(body, request.url);
    const accounting = withLearnedCharge({ ...spec.accounting, ...options.accounting }, options.accounting?.charge !== undefined, pipeline.limiters.limiterFor(model)?.chargeRule);
    const messages = messagesOf(body);
    const maxTokens = maxTokensOf(body) ?? options.defaultMaxTokens ?? DEFAULT_MAX_TOKENS;
    const estimatedInput = estimateInputTokens(messages, accounting);
    const streaming = (body as { stream?: unknown } | undefined)?.stream === true || request.url.includes(':streamGenerateContent');
    const sdkRetry = Number(readHeader(request.headers, 'x-stainless-retry-count') ?? 0);
    if (sdkRetry > 0 && !warnedAboutSdkRetries) {
      warnedAboutSdkRetries = true;
      warn(`llm-resilience: the SDK is retrying under resilientFetch('${options.service}') (x-stainless-retry-count=${sdkRetry}); set maxRetries: 0 on the SDK, or attempts multiply`);
    }
    let handedOver = false;
    return new Promise<Response>((resolve, reject) => {
      resilience
        .execute(
          options.service,
          async (context) => {
            // The SDK already has a response (an attempt that timed out while it read the stream):
            // another attempt would be a second billable call whose answer goes nowhere.
            if (handedOver) throw new StreamInterruptedError(spec.id, 0, new Error('the response was already handed to the SDK'));
            let response: Response;
            try {
              response = await baseFetch(request.url, { ...request.init, signal: context.signal ?? request.init.signal });
            } catch (error) {
              throw connectionError(spec.id, error, context.signal ?? request.init.signal ?? undefined);
            }
            context.reportProviderState(parseRateLimitHeaders(spec.surface, response.headers, clock.wallTime()));
            if (!response.ok) {
              const text = await response.text().catch(() => '');
              const error = errorFromResponse(spec.id, response.status, response.headers, text, clock.wallTime());
              (error as { snapshot?: ErrorSnapshot }).snapshot = { status: response.status, statusText: response.statusText, headers: response.headers, text };
              throw error;
            }
            const keep = (usage: Partial<ChatUsage> | undefined) => context.reportUsage(keptCharge(accounting, estimatedInput, maxTokens, usage ?? {}));
            if (!streaming || !response.body) {
              const text = await response.text();
              keep(usageOfCompletion(spec, text));
              handedOver = true;
              resolve(new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers }));
              return;
            }
            const tapped = tapStream(response.body, spec.wire, spec.id);
            handedOver = true;
            resolve(new Response(tapped.stream, { status: response.status, statusText: response.statusText, headers: response.headers }));
            // The attempt (and its concurrency slot) lasts until the SDK has read the whole stream.
            try {
              keep(await tapped.usage);
            } catch (error) {
              throw new StreamInterruptedError(spec.id, tapped.deliveredBytes(), error);
            }
          },
          { ...admissionCharge(accounting, estimatedInput, maxTokens), model, priority: options.priority, signal: request.init.signal ?? undefined },
        )
        .then(
          () => undefined,
          (error: unknown) => {
            if (handedOver) return; // the SDK already has the response; a broken stream reaches it through the body
            const snapshot = lastSnapshot(error);
            if (snapshot) resolve(new Response(snapshot.text, { status: snapshot.status, statusText: snapshot.statusText, headers: snapshot.headers }));
            else reject(error);
          },
        );
    });
  };
}

async function normalize(input: FetchInput, init: RequestInit | undefined): Promise<{ url: string; init: RequestInit; body: string | undefined; headers: Headers }> {
  if (typeof input === 'string' || input instanceof URL) {
    const body = typeof init?.body === 'string' ? init.body : undefined;
    return { url: String(input), init: init ?? {}, body, headers: new Headers(init?.headers) };
  }
  const body = input.body ? await input.clone().text() : undefined;
  const merged: RequestInit = { method: input.method, headers: input.headers, body, signal: input.signal, ...init };
  return { url: input.url, init: merged, body: typeof merged.body === 'string' ? merged.body : body, headers: new Headers(merged.headers) };
}

function providerOf(service: string, url: string): ProviderId {
  if ((PROVIDER_IDS as readonly string[]).includes(service)) return service as ProviderId;
  if (url.includes('/messages')) return 'anthropic';
  if (url.includes('generateContent')) return 'google';
  return 'openai';
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The text of every message, whatever the wire format (OpenAI and Anthropic content parts, Gemini contents, a system prompt). */
function messagesOf(body: unknown): ChatMessage[] {
  const b = body as { messages?: unknown; system?: unknown; contents?: unknown; systemInstruction?: unknown } | undefined;
  const messages: ChatMessage[] = [];
  const textOf = (content: unknown): string => {
    if (typeof content === 'string') return content;
    if (Array.isArray(content)) return content.map((part) => (typeof part === 'string' ? part : typeof (part as { text?: unknown })?.text === 'string' ? (part as { text: string }).text : '')).join('');
    return '';
  };
  if (b?.system !== undefined) messages.push({ role: 'system', content: textOf(b.system) });
  if (Array.isArray(b?.messages)) for (const m of b.messages) messages.push({ role: 'user', content: textOf((m as { content?: unknown })?.content) });
  if (b?.systemInstruction) messages.push({ role: 'system', content: textOf((b.systemInstruction as { parts?: unknown }).parts) });
  if (Array.isArray(b?.contents)) for (const c of b.contents) messages.push({ role: 'user', content: textOf((c as { parts?: unknown })?.parts) });
  return messages;
}

/** The model a request is for: `model` in its JSON body (OpenAI, Anthropic), or Gemini's `models/<model>:generateContent` in its path. */
function modelOf(body: unknown, url: string): string | undefined {
  const named = (body as { model?: unknown } | undefined)?.model;
  if (typeof named === 'string' && named !== '') return named;
  const inPath = /\/models\/([^/:?#]+):(?:stream)?generateContent/i.exec(url)?.[1];
  if (inPath === undefined) return undefined;
  try {
    return decodeURIComponent(inPath);
  } catch {
    return inPath;
  }
}

function maxTokensOf(body: unknown): number | undefined {
  const b = body as { max_tokens?: unknown; max_completion_tokens?: unknown; max_output_tokens?: unknown; generationConfig?: { maxOutputTokens?: unknown } } | undefined;
  for (const value of [b?.max_tokens, b?.max_completion_tokens, b?.max_output_tokens, b?.generationConfig?.maxOutputTokens]) {
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  }
  return undefined;
}

function usageOfCompletion(spec: ProviderSpec, text: string): Partial<ChatUsage> | undefined {
  try {
    return spec.wire.parseCompletion(JSON.parse(text), '').usage;
  } catch {
    return undefined;
  }
}

/** The response of the last failed attempt, to hand back to the SDK. */
function lastSnapshot(error: unknown): ErrorSnapshot | undefined {
  const own = (error as { snapshot?: ErrorSnapshot } | undefined)?.snapshot;
  if (own) return own;
  const attempts = (error as { attempts?: { error: unknown }[] } | undefined)?.attempts;
  const last = attempts?.[attempts.length - 1]?.error as { snapshot?: ErrorSnapshot } | undefined;
  return last?.snapshot;
}

/**
 * Passes the stream's bytes through untouched (with backpressure) while reading its events for
 * usage. `usage` resolves when the stream ends with its terminator, and rejects when it breaks,
 * is cut, or carries an error event.
 */
function tapStream(body: ReadableStream<Uint8Array>, wire: WireAdapter, provider: string) {
  const reader = body.getReader();
  const parser = new SseParser(provider);
  const state = { finished: false };
  const usage: Partial<ChatUsage> = {};
  let streamError: unknown;
  let delivered = 0;
  let settle!: { resolve: (u: Partial<ChatUsage>) => void; reject: (e: unknown) => void };
  const usagePromise = new Promise<Partial<ChatUsage>>((resolve, reject) => (settle = { resolve, reject }));
  const observe = (events: ReturnType<SseParser['push']>) => {
    for (const event of events) {
      try {
        for (const e of wire.parseStreamEvent(event, state)) if (e.type === 'usage') Object.assign(usage, e.usage);
      } catch (error) {
        streamError ??= error;
      }
    }
  };
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        settle.reject(error);
        controller.error(error);
        return;
      }
      if (chunk.done) {
        try {
          observe(parser.end());
        } catch (error) {
          streamError ??= error;
        }
        if (streamError) settle.reject(streamError);
        else if (!state.finished) settle.reject(Object.assign(new Error(`${provider}'s stream ended without its terminator`), { status: 502 }));
        else settle.resolve(usage);
        controller.close();
        return;
      }
      delivered += chunk.value.byteLength;
      try {
        observe(parser.push(chunk.value));
      } catch (error) {
        streamError ??= error;
      }
      controller.enqueue(chunk.value);
    },
    cancel(reason) {
      // The SDK stopped reading (its caller broke out early): what was used so far is what counts.
      settle.resolve(usage);
      return reader.cancel(reason);
    },
  });
  usagePromise.catch(() => undefined);
  return { stream, usage: usagePromise, deliveredBytes: () => delivered };
}
