/**
 * The scenarios: each runs every client (or ours only) against a fresh mock key. What changes is
 * what the provider does (its charge model, fixed windows), what the clients are told, and the
 * shape of the load.
 */
import type { MockKeyConfig } from '../../src/mock/index.js';
import { BURST_REQUESTS, mockKey, PROVIDER_LIMITS, REQUESTS_PER_MINUTE, scaled, SMALL, STEADY, TOKENS_PER_MINUTE, type ToldLimits, type Workload } from './workload.js';

export type Load = { kind: 'callers' } | { kind: 'burst'; requests: number };

export interface Scenario {
  name: string;
  /** One line for the report. */
  description: string;
  key: MockKeyConfig;
  /** What the clients are told; undefined: nothing (they learn, or use their defaults). */
  told: ToldLimits | undefined;
  load: Load;
  workload: Workload;
  /** Where a minute boundary of the mock's wall clock falls, as a fraction of the cell (fixed windows): mid-run, so every cell sees one. */
  minuteBoundaryAt?: number;
  /** Run by this many processes sharing the limits through Redis (ours only). */
  fleetProcesses?: number;
}

const told = PROVIDER_LIMITS;
const steady = { load: { kind: 'callers' } as const, workload: STEADY };

export const SCENARIOS: readonly Scenario[] = [
  { name: 'told', description: 'the clients are told the provider\'s limits exactly (burst included)', key: mockKey(), told, ...steady },
  { name: 'told-50%-high', description: 'the clients are told limits 50 % above the provider\'s', key: mockKey(), told: scaled(told, 1.5), ...steady },
  { name: 'not-told', description: 'the clients are told no limits (ours learn from the headers; peers assume OpenAI\'s tier 1: 500 RPM, 200 000 TPM)', key: mockKey(), told: undefined, ...steady },
  { name: 'charge-sum', description: 'the provider charges input + max_tokens; the clients are told the limits, not the charge model', key: mockKey({ charge: 'input+max_tokens' }), told, ...steady },
  { name: 'charge-max', description: 'the provider charges max(input, max_tokens); the clients are told the limits, not the charge model', key: mockKey({ charge: 'max(input,max_tokens)' }), told, ...steady },
  { name: 'charge-input', description: 'the provider charges input tokens only; the clients are told the limits, not the charge model', key: mockKey({ charge: 'input' }), told, ...steady },
  {
    name: 'strict-windows',
    description: 'the provider counts each calendar minute (fixed windows, a boundary mid-cell); the clients are told RPM and TPM, which is all a fixed window has',
    key: mockKey({ limits: { requestsPerMinute: REQUESTS_PER_MINUTE, tokensPerMinute: TOKENS_PER_MINUTE, window: 'fixed-minute' } }),
    told: { requestsPerMinute: REQUESTS_PER_MINUTE, tokensPerMinute: TOKENS_PER_MINUTE },
    minuteBoundaryAt: 0.5,
    ...steady,
  },
  {
    name: 'burst-5000',
    description: `${BURST_REQUESTS.toLocaleString('en-US')} small requests (about 65 tokens each) submitted at once; the clients are told the limits`,
    key: mockKey(),
    told,
    load: { kind: 'burst', requests: BURST_REQUESTS },
    workload: SMALL,
  },
  { name: 'fleet-redis', description: '4 processes share the limits through Redis (4 callers each); told the limits; our clients only', key: mockKey(), told, fleetProcesses: 4, ...steady },
];
