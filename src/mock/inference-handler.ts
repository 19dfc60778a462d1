/**
 * One inference request, start to end: authenticate, read and parse, apply slowness, outages and
 * quota faults, admit against the key's limits, inject errors, deliver, and settle the charge.
 * Every response carries the provider's request id and rate-limit headers once the key is known.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { admissionCharge, maxOutputOf } from './accounting.js';
import { admit } from './admission.js';
import { authenticate, SURFACE_DEFAULT_PROVIDER } from './auth.js';
import { errorReply, streamErrorStatus } from './error-replies.js';
import type { FailureContext, MockFailure } from './failures.js';
import { activeOutage, drawInjectedError, type EffectiveFaults } from './fault-store.js';
import { deliver, planGeneration } from './generation.js';
import { parseJson, readBody } from './http-io.js';
import type { KeyState } from './key-state.js';
import { type LimitScope, MAX_MODELS_PER_KEY } from './limit-scope.js';
import { PROVIDER_PROFILES, type Surface } from './provider-profiles.js';
import { rateLimitHeaders, retryAfterHeaders } from './rate-limit-headers.js';
import { Reply } from './reply.js';
import type { MockRuntime } from './runtime.js';
import { sseData, SSE_KEEP_ALIVE } from './sse.js';
import { anthropicSurface } from './surface-anthropic.js';
import { geminiSurface } from './surface-gemini.js';
import { openaiSurface } from './surface-openai.js';
import type { ParsedRequest, SurfaceCodec } from './surface-types.js';

/** Where an inference request came in. */
export interface InferenceRoute {
  readonly surface: Surface;
  /** Gemini: the model in the path. */
  readonly model?: string;
  /** Gemini: streamGenerateContent. */
  readonly stream?: boolean;
  /** Gemini: `alt=sse`. */
  readonly sse: boolean;
}

const CODECS: Readonly<Record<Surface, SurfaceCodec>> = { openai: openaiSurface, anthropic: anthropicSurface, gemini: geminiSurface };

/** Handles one inference request. */
export async function handleInference(runtime: MockRuntime, route: InferenceRoute, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const reply = new Reply(res, runtime.track(res), runtime.timers);
  const requestId = runtime.requestId();
  const auth = authenticate(runtime, route.surface, req, url);
  if ('failure' in auth) {
    runtime.unauthorized();
    const provider = SURFACE_DEFAULT_PROVIDER[route.surface];
    const answer = errorReply(provider, auth.failure, { requestId, model: route.model ?? '', organization: 'org-mock', apiKey: undefined, wallNowMs: runtime.wallNow() });
    const idHeader = PROVIDER_PROFILES[provider].requestIdHeader;
    reply.json(answer.status, answer.body, idHeader ? { [idHeader]: requestId } : {});
    return;
  }
  const { key } = auth;
  const config = key.config;
  const baseHeaders: Record<string, string> = config.profile.requestIdHeader ? { [config.profile.requestIdHeader]: requestId } : {};
  // The headers of the limits the request falls under: the key's, or its model's (none while a
  // key limited per model does not know the model: the request was malformed).
  const limitHeaders = (scope: LimitScope | undefined) => (scope ? { ...baseHeaders, ...rateLimitHeaders(config, scope.limiter.state(key.now()), runtime.wallNow()) } : baseHeaders);
  const context = (model: string): FailureContext => ({ requestId, model, organization: config.organization, apiKey: config.apiKey, wallNowMs: runtime.wallNow() });
  const fail = (failure: MockFailure, model: string, headers: Record<string, string>, stream = false) => {
    const answer = errorReply(config.provider, failure, context(model));
    if (reply.committed && stream) {
      // A held stream can only end with an error event.
      void reply.write(sseData(answer.body)).then(() => reply.end());
      return;
    }
    reply.json(answer.status, answer.body, headers);
  };

  key.ledger.received();
  const codec = CODECS[route.surface];
  const parsed = await readRequest(codec, route, req, runtime.config.maxBodyBytes);
  if (parsed === 'gone') {
    key.ledger.abandoned();
    return;
  }
  if (!('model' in parsed)) {
    key.ledger.invalid();
    fail(parsed, route.model ?? '', { ...limitHeaders(key.scopes.key), ...(parsed.status === 413 ? { connection: 'close' } : {}) });
    return;
  }
  const scope = key.scopes.for(parsed.model);
  if (scope === undefined) {
    key.ledger.invalid();
    fail({ kind: 'invalid', message: `This key keeps limits for at most ${MAX_MODELS_PER_KEY} models (limitScope 'model'); '${parsed.model}' would be one more.` }, parsed.model, baseHeaders);
    return;
  }

  const failureContext = context(parsed.model);
  const faults = runtime.faults.effective(config.apiKey);
  if (faults.addedLatencyMs > 0 && !(await reply.delay(faults.addedLatencyMs))) {
    key.ledger.abandoned();
    return;
  }
  const outage = activeOutage(faults, key.now());
  if (outage) {
    key.ledger.rejectedFor('fault', false, key.now());
    if (outage.mode === 'unavailable') fail({ kind: 'server', status: outage.status }, parsed.model, limitHeaders(scope));
    else if (outage.mode === 'reset') reply.destroy();
    // 'hang': no answer; the response stays open until the client leaves or the server closes.
    return;
  }
  const quota = faults.quotaExhausted ?? config.quotaExhausted;
  if (quota) {
    key.ledger.rejectedFor('quota', false, key.now());
    fail({ kind: 'quota', variant: quota }, parsed.model, limitHeaders(scope));
    return;
  }

  const chargeInput = { promptTokens: parsed.promptTokens, maxTokens: parsed.maxTokens, defaultMaxTokens: config.defaultMaxTokens };
  const charge = admissionCharge(config.policy, chargeInput);
  const hold = parsed.stream
    ? { contentType: codec.streamContentType({ sse: route.sse }), keepAlive: SSE_KEEP_ALIVE, headers: baseHeaders }
    : { contentType: 'application/json', keepAlive: '\n', headers: baseHeaders };
  const admission = await admit(key, scope, charge, reply, hold);
  if (!admission.ok) {
    if (admission.reason === 'gone') return;
    key.refused(scope, admission.reason, admission.tooLarge);
    fail({ kind: 'rate-limit', refusal: admission }, parsed.model, { ...limitHeaders(scope), ...retryAfterHeaders(config, admission.retryAfterMs) }, parsed.stream);
    return;
  }

  const headers = limitHeaders(scope);
  let outputTokens = 0;
  let succeeded = false;
  try {
    const injected = drawInjectedError(faults, key.random.faults);
    if (injected !== undefined) {
      fail({ kind: 'server', status: injected }, parsed.model, { ...headers, ...(injected === 429 ? retryAfterHeaders(config, 1000) : {}) }, parsed.stream);
      return;
    }
    const outcome = await deliverAnswer({ runtime, key, codec, route, parsed, reply, headers, requestId, faults, failureContext });
    outputTokens = outcome.outputTokens;
    succeeded = outcome.succeeded;
  } finally {
    key.release(scope, charge, outputTokens, succeeded, { at: admission.at, maxOutputTokens: maxOutputOf(chargeInput) });
  }
}

/** What {@link deliverAnswer} needs of the request. */
interface AnswerContext {
  readonly runtime: MockRuntime;
  readonly key: KeyState;
  readonly codec: SurfaceCodec;
  readonly route: InferenceRoute;
  readonly parsed: ParsedRequest;
  readonly reply: Reply;
  readonly headers: Record<string, string>;
  readonly requestId: string;
  readonly faults: EffectiveFaults;
  readonly failureContext: FailureContext;
}

/** Generates and writes the answer of an admitted request; records the usage it reported. */
async function deliverAnswer({ runtime, key, codec, route, parsed, reply, headers, requestId, faults, failureContext }: AnswerContext) {
  const config = key.config;
  const generation = planGeneration(parsed, {
    provider: config.provider,
    id: codec.responseId(requestId.slice(4)),
    createdSeconds: Math.floor(runtime.wallNow() / 1000),
    outputTokens: config.outputTokens,
    tokensPerChunk: config.tokensPerChunk,
    outputRandom: key.random.output,
    textRandom: key.random.text,
  });
  const streamError = errorReply(config.provider, { kind: 'server', status: streamErrorStatus(config.provider) }, failureContext);
  const outcome = await deliver(
    {
      reply,
      codec,
      generation,
      tokensPerChunk: config.tokensPerChunk,
      headers,
      latency: faults.latency ?? config.latency,
      latencyRandom: key.random.latency,
      streamFaults: faults.stream,
      sse: route.sse,
      keepAliveIntervalMs: config.profile.keepAliveWhileSlow ? config.keepAliveIntervalMs : undefined,
      faultKeepAliveIntervalMs: faults.stream?.keepAliveIntervalMs ?? config.keepAliveIntervalMs,
      streamErrorBody: streamError.body,
    },
    parsed.stream,
  );
  if (outcome.reportedUsage) key.ledger.reportedUsage(generation.promptTokens, generation.outputTokens);
  return outcome;
}

/** Reads and parses the body: the request, a failure to answer with, or 'gone'. */
async function readRequest(codec: SurfaceCodec, route: InferenceRoute, req: IncomingMessage, maxBodyBytes: number): Promise<ParsedRequest | (MockFailure & { kind: 'invalid' }) | 'gone'> {
  const body = await readBody(req, maxBodyBytes);
  if (!body.ok) {
    if (body.reason === 'aborted') return 'gone';
    return { kind: 'invalid', status: 413, message: `Request exceeds the maximum allowed number of bytes (${maxBodyBytes}).` };
  }
  const json = parseJson(body.text);
  if (!json.ok) return { kind: 'invalid', message: `We could not parse the JSON body of your request. (${json.message})` };
  const parsed = codec.parse(json.value, { model: route.model, stream: route.stream ?? false });
  return typeof parsed === 'string' ? { kind: 'invalid', message: parsed } : parsed;
}
