/**
 * Delivers an admitted request's answer: the generated text, with the configured latency
 * (time to first token, then per chunk), keep-alives where the provider sends them, and the
 * stream faults (a cut without terminator, an error event inside the 200, keep-alives only).
 */
import { sampleDelayMs } from './latency.js';
import type { MockLatency, StreamFaults } from './options.js';
import { generateChunks } from './output-text.js';
import { PROVIDER_PROFILES } from './provider-profiles.js';
import type { Reply } from './reply.js';
import type { SeededRandom } from './random.js';
import type { Generation, ParsedRequest, StreamEncoder, SurfaceCodec } from './surface-types.js';

/** How a delivery ended: the output tokens the provider keeps counted, and whether it completed. */
export interface DeliveryOutcome {
  readonly outputTokens: number;
  readonly succeeded: boolean;
  /** The response carried usage (it completed, and its format reports usage). */
  readonly reportedUsage: boolean;
}

/** Everything a delivery needs. */
export interface DeliveryPlan {
  readonly reply: Reply;
  readonly codec: SurfaceCodec;
  readonly generation: Generation;
  readonly tokensPerChunk: number;
  readonly headers: Record<string, string>;
  readonly latency: MockLatency;
  readonly latencyRandom: SeededRandom;
  readonly streamFaults: StreamFaults | undefined;
  /** Gemini without alt=sse streams a JSON array rather than events. */
  readonly sse: boolean;
  /** Keep-alive interval while generating slowly (DeepSeek), or undefined for none. */
  readonly keepAliveIntervalMs: number | undefined;
  /** Interval of keep-alives for the keep-alive-only fault. */
  readonly faultKeepAliveIntervalMs: number;
  /** The provider's error body for an error event inside the stream. */
  readonly streamErrorBody: unknown;
}

/** The generation for a request: N = min(max_tokens, the key's output length) tokens of text. */
export function planGeneration(
  parsed: ParsedRequest,
  options: { provider: Generation['provider']; id: string; createdSeconds: number; outputTokens: { min: number; max: number }; tokensPerChunk: number; outputRandom: SeededRandom; textRandom: SeededRandom },
): Generation {
  const wanted = options.outputRandom.integer(options.outputTokens.min, options.outputTokens.max);
  const outputTokens = parsed.maxTokens === undefined ? wanted : Math.min(wanted, parsed.maxTokens);
  return {
    provider: options.provider,
    id: options.id,
    model: parsed.model,
    createdSeconds: options.createdSeconds,
    promptTokens: parsed.promptTokens,
    outputTokens,
    chunks: generateChunks(outputTokens, options.tokensPerChunk, options.textRandom),
    finish: wanted > outputTokens ? 'length' : 'stop',
    includeUsage: parsed.includeUsage,
  };
}

const streamReportsUsage = (generation: Generation) => generation.includeUsage || PROVIDER_PROFILES[generation.provider].usageInLastChoice;

async function pause(plan: DeliveryPlan, delayMs: number, keepAlive: string): Promise<boolean> {
  return plan.keepAliveIntervalMs !== undefined && plan.reply.committed
    ? plan.reply.delayWithKeepAlive(delayMs, keepAlive, plan.keepAliveIntervalMs)
    : plan.reply.delay(delayMs);
}

async function deliverJson(plan: DeliveryPlan): Promise<DeliveryOutcome> {
  const { reply, generation } = plan;
  const gone = { outputTokens: generation.outputTokens, succeeded: false, reportedUsage: false };
  if (plan.streamFaults?.keepAliveOnly) {
    reply.commit(200, 'application/json', plan.headers);
    await reply.keepAliveUntil('\n', plan.faultKeepAliveIntervalMs);
    return { ...gone, outputTokens: 0 };
  }
  let delayMs = sampleDelayMs(plan.latency.timeToFirstTokenMs, plan.latencyRandom);
  for (let i = 1; i < generation.chunks.length; i++) delayMs += sampleDelayMs(plan.latency.perChunkMs, plan.latencyRandom);
  // DeepSeek answers a slow plain request with blank lines before the JSON.
  if (plan.keepAliveIntervalMs !== undefined && delayMs > plan.keepAliveIntervalMs) reply.commit(200, 'application/json', plan.headers);
  if (!(await pause(plan, delayMs, '\n'))) return gone;
  reply.json(200, plan.codec.completeBody(generation), plan.headers);
  return { outputTokens: generation.outputTokens, succeeded: true, reportedUsage: true };
}

/** Tokens in the first `chunks` chunks. */
const tokensIn = (plan: DeliveryPlan, chunks: number) => Math.min(plan.generation.outputTokens, chunks * plan.tokensPerChunk);

async function deliverStream(plan: DeliveryPlan, encoder: StreamEncoder): Promise<DeliveryOutcome> {
  const { reply, generation } = plan;
  const faults = plan.streamFaults ?? {};
  const gone = { outputTokens: generation.outputTokens, succeeded: false, reportedUsage: false };
  reply.commit(200, encoder.contentType, plan.headers);
  if (faults.keepAliveOnly) {
    await reply.keepAliveUntil(encoder.keepAlive, plan.faultKeepAliveIntervalMs);
    return { ...gone, outputTokens: 0 };
  }
  if (!(await reply.write(encoder.start()))) return gone;
  const total = generation.chunks.length;
  for (let index = 0; index <= total; index++) {
    if (faults.errorAfterChunks !== undefined && index === Math.min(faults.errorAfterChunks, total)) {
      await reply.write(encoder.error(plan.streamErrorBody));
      reply.end();
      return { outputTokens: tokensIn(plan, index), succeeded: false, reportedUsage: false };
    }
    if (faults.cutAfterChunks !== undefined && index === Math.min(faults.cutAfterChunks, total)) {
      if (faults.cutMode === 'reset') reply.destroy();
      else reply.end();
      return { outputTokens: tokensIn(plan, index), succeeded: false, reportedUsage: false };
    }
    if (index === total) break;
    const delayMs = sampleDelayMs(index === 0 ? plan.latency.timeToFirstTokenMs : plan.latency.perChunkMs, plan.latencyRandom);
    if (!(await pause(plan, delayMs, encoder.keepAlive)) || !(await reply.write(encoder.chunk(generation.chunks[index]!)))) return gone;
  }
  if (!(await reply.write(encoder.finish()))) return gone;
  reply.end();
  return { outputTokens: generation.outputTokens, succeeded: true, reportedUsage: streamReportsUsage(generation) };
}

/**
 * Writes the answer. A client that leaves mid-way leaves the full output counted: the provider
 * generated it anyway. A stream fault counts the output sent before it.
 */
export function deliver(plan: DeliveryPlan, stream: boolean): Promise<DeliveryOutcome> {
  return stream ? deliverStream(plan, plan.codec.stream(plan.generation, { sse: plan.sse })) : deliverJson(plan);
}
