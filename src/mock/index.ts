/**
 * llm-resilience/mock: a mock LLM provider server over real HTTP on loopback. It speaks the
 * OpenAI chat completions, Anthropic messages and Gemini generateContent APIs (xAI, DeepSeek and
 * Moonshot on the OpenAI surface, each with its own quirks), enforces per-key limits the way each
 * provider does, sends the real headers and error bodies, injects faults, and keeps a ledger with
 * an independent audit of its own limits.
 */
export { startMockServer, type MockServer } from './server.js';
export { DEFAULT_MOCK_KEYS } from './default-keys.js';
export { MockConfigError } from './validation.js';
export { systemMockClock, type MockClock } from './clock.js';
export { promptTokens, textTokens, contentText, TOKENS_PER_MESSAGE, TOKENS_PER_REQUEST, CHARACTERS_PER_TOKEN } from './token-count.js';
export type { Charge } from './accounting.js';
export type { DailyReset } from '../core/calendar-day.js';
export type { KeyDescription } from './control-handler.js';
export type { KeyLedgerReport, TimelineSecond } from './ledger.js';
export type { LimitViolation } from './limit-audit.js';
export type { MockLedgerReport } from './runtime.js';
export type { Dimension, RejectionReason } from './dimensions.js';
export type {
  AccountingModel,
  ChargeModel,
  LatencyDistribution,
  LimitScope,
  LimitWindow,
  MockFaults,
  MockKeyConfig,
  MockLatency,
  MockLimits,
  MockProvider,
  MockServerOptions,
  OutageWindow,
  OutputLength,
  QuotaExhaustion,
  StreamFaults,
} from './options.js';
