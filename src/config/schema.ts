/**
 * The one schema of `config/resilience.yaml`: its shape (the seeds' `circuit_breaker`, `backoff`,
 * `rate_limiting.<provider>`, `resilience`, grown with per-day and input/output limits, fallback,
 * redis and logging), its defaults, its validation and its documentation (each field's
 * description feeds `check-config` and the README's table). The YAML keeps the seeds' units
 * (seconds); the TypeScript options it becomes are milliseconds.
 */
import { z } from 'zod';
import { PROVIDER_IDS } from '../providers/types.js';

const positive = z.number().positive().finite();
const positiveInt = z.number().int().positive();
const seconds = z.number().positive().finite();

const breaker = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Circuit breakers on every provider'),
    failure_threshold: positiveInt.default(5).describe('Consecutive failures that open a circuit'),
    success_threshold: positiveInt.default(2).describe('Successful probes that close a half-open circuit'),
    timeout_seconds: seconds.default(60).describe('How long a circuit stays open before probing'),
    half_open_max_calls: positiveInt.default(3).describe('Probes in flight at once while half-open'),
    shared: z.boolean().default(false).describe('Share breaker state across processes through redis (needs redis.url)'),
  })
  .prefault({});

const backoff = z
  .strictObject({
    base_delay: seconds.default(1).describe('Delay before the first retry, in seconds'),
    max_delay: seconds.default(60).describe('Cap of any retry delay, in seconds'),
    exponential_base: z.number().min(1).finite().default(2).describe('Multiplier of the delay per retry'),
    jitter: z.union([z.boolean(), z.enum(['full', 'equal', 'decorrelated', 'none'])]).default(true).describe('true (full jitter), false, or one of full, equal, decorrelated, none'),
  })
  .prefault({});

const providerLimits = z.strictObject({
  max_requests_per_minute: positive.optional().describe('Requests per minute'),
  max_tokens_per_minute: positive.optional().describe('Tokens per minute (input + output)'),
  max_input_tokens_per_minute: positive.optional().describe("Input tokens per minute (Anthropic's ITPM)"),
  max_output_tokens_per_minute: positive.optional().describe("Output tokens per minute (Anthropic's OTPM)"),
  max_requests_per_day: positive.optional().describe('Requests per day'),
  max_tokens_per_day: positive.optional().describe('Tokens per day'),
  max_concurrent_requests: positiveInt.optional().describe('Requests in flight at once'),
  max_wait_seconds: z.number().min(0).finite().optional().describe('Longest a request waits for admission'),
  max_pause_seconds: seconds.optional().describe("Longest pause a provider's retry-after may impose (default 60); longer, other providers serve meanwhile"),
  charge: z
    .enum(['input+max_tokens', 'max(input,max_tokens)', 'input'])
    .optional()
    .describe('How the provider charges tokens per minute at admission (default: the sum, until its headers show it charges less)'),
  per_model: z.boolean().optional().describe("One limiter per model, each learning its model's limits from its own responses (default: on for openai, whose limits are per model; off for the others)"),
});

const providerShape = Object.fromEntries(PROVIDER_IDS.map((id) => [id, providerLimits.optional()])) as Record<(typeof PROVIDER_IDS)[number], z.ZodOptional<typeof providerLimits>>;

const rateLimiting = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Rate limiting on every provider'),
    ...providerShape,
  })
  .prefault({});

const resilience = z
  .strictObject({
    max_retries: z.number().int().min(0).default(3).describe('Retries per provider before falling back'),
    preferred_model: z.string().min(1).optional().describe('The model tried first'),
    fallback_order: z.array(z.enum(PROVIDER_IDS)).optional().describe('Providers to fall back to, in order'),
    attempt_timeout_seconds: seconds.default(60).describe('Time allowed for one attempt'),
  })
  .prefault({});

const redis = z
  .strictObject({
    url: z.string().regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL').optional().describe('Share limits across processes through this Redis (unset: in-process)'),
    prefix: z.string().min(1).regex(/^[^{}]+$/, 'no { or }').default('llmr').describe('Key prefix of this application'),
    timeout_seconds: seconds.default(0.25).describe('Deadline of each Redis call'),
    fail_mode: z.enum(['local', 'open', 'closed']).default('local').describe('While Redis does not answer: local share, open, or closed'),
    local_share: z.number().gt(0).max(1).optional().describe("This process's share of the limits while Redis is down (default 1 / live processes)"),
    lease_ttl_seconds: seconds.default(15).describe('Concurrency lease TTL (renewed while the call runs)'),
  })
  .prefault({});

const logging = z
  .strictObject({
    level: z.enum(['debug', 'info', 'warn', 'error']).default('info').describe('Least level logged'),
    format: z.enum(['text', 'json']).default('text').describe("text (the seeds' lines) or json (one object per line)"),
  })
  .prefault({});

export const resilienceConfigSchema = z.strictObject({
  circuit_breaker: breaker,
  backoff,
  rate_limiting: rateLimiting,
  resilience,
  redis,
  logging,
});

/** A validated configuration, every default applied (the YAML's names and units). */
export type ResilienceConfig = z.infer<typeof resilienceConfigSchema>;
/** What a file may hold: every field optional. */
export type ResilienceConfigInput = z.input<typeof resilienceConfigSchema>;
export type ProviderLimitsConfig = z.infer<typeof providerLimits>;
