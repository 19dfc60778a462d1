/**
 * `llm-resilience simulate`: the seeds' alert workload through a UnifiedLLMClient against the
 * embedded mock providers, with incidents, live progress, a summary table or JSON, and optionally
 * an HTML report and a live dashboard.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { clientOptionsFromConfig } from '../config/to-options.js';
import { loadConfig } from '../config/load-config.js';
import { ConfigError } from '../core/errors.js';
import { redactSecrets } from '../core/redact.js';
import { systemClock } from '../core/clock.js';
import { writeHtmlReport } from '../report/html-report.js';
import { PROVIDER_IDS, type ProviderId } from '../providers/types.js';
import { plainView, terminalView, type LiveView } from '../simulate/live-view.js';
import type { SimulationResult } from '../simulate/result.js';
import { runSimulation, type RunHooks } from '../simulate/runner.js';
import { loadScenarioFile } from '../simulate/scenario-file.js';
import { BUILT_IN_SCENARIOS, builtInScenario, describeIncident, formatClock, type BuiltInScenario, type Scenario } from '../simulate/scenarios.js';
import { MAX_SPEED, type SimulationSettings } from '../simulate/settings.js';
import { DEFAULT_SIMULATION_PROVIDERS } from '../simulate/sim-providers.js';
import { summaryTable } from '../simulate/summary-table.js';
import { runFleet } from '../simulate/fleet.js';
import { serveDashboard } from './serve-dashboard.js';

export const SIMULATE_USAGE = `Usage: llm-resilience simulate [options]

Runs the seeds' alert-triage workload (50 000 alerts a day) through UnifiedLLMClient with fallback
against embedded mock providers (OpenAI, Anthropic, Gemini, xAI, DeepSeek, Moonshot) on 127.0.0.1,
with realistic limits and injected incidents. Time is compressed: the mock and the client share a
clock running --speed times faster than real time, so a minute of real time is ten of provider time.

Options:
  --duration <seconds>     Real time of the arrivals (default 60; the last calls finish after).
  --speed <factor>         Time compression, 1 (real time) to ${MAX_SPEED} (default 10).
  --alerts-per-day <n>     Average alert rate (default 50000).
  --rate <n>               The same, in alerts per minute (overrides --alerts-per-day).
  --scenario <name|file>   ${BUILT_IN_SCENARIOS.join(', ')} (default mixed), or a YAML/JSON file.
  --providers <a,b,...>    Providers in fallback order, the preferred first
                           (default ${DEFAULT_SIMULATION_PROVIDERS.join(',')}).
  --config <file>          Client limits, breaker and retry from a resilience.yaml.
  --seed <n>               Seed of the workload and the mock (default 1): same seed, same requests.
  --redis [url]            Run the same across --workers processes whose limits and breakers live
                           in one Redis (default redis://127.0.0.1:6379). Real time (--speed 1):
                           the processes share Redis's clock.
  --workers <n>            Worker processes with --redis (default 3).
  --report <file.html>     Write a self-contained HTML report with charts.
  --dashboard [port]       Serve the live dashboard on 127.0.0.1 while the run lasts.
  --json                   Print one JSON result on stdout instead of the table.
  --help                   This text.

Live progress goes to stderr (redrawn on a terminal, a line every 5 s in a pipe); the result to
stdout. Exit code 0 when the verdict is PASS or WARN, 1 on FAIL, 2 for bad options.
`;

export interface SimulateIo {
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
  /** Whether stderr is a terminal (live redraw). Default: process.stderr.isTTY. */
  readonly interactive?: boolean;
}

interface Parsed {
  settings: SimulationSettings;
  json: boolean;
  report?: string;
  dashboard?: number;
  redis?: { redisUrl: string; workers: number };
}

function number(name: string, raw: string | undefined, fallback: number, check: (n: number) => boolean, valid: string): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || !check(n)) throw new ConfigError(`--${name}`, raw, valid);
  return n;
}

function parseProviders(raw: string | undefined): ProviderId[] {
  if (raw === undefined) return [...DEFAULT_SIMULATION_PROVIDERS];
  const list = raw.split(',').map((p) => p.trim()).filter(Boolean);
  for (const p of list) if (!(PROVIDER_IDS as readonly string[]).includes(p)) throw new ConfigError('--providers', p, `a comma-separated list of ${PROVIDER_IDS.join(', ')}`);
  if (list.length === 0) throw new ConfigError('--providers', raw, `one or more of ${PROVIDER_IDS.join(', ')}`);
  return list as ProviderId[];
}

function parseScenario(raw: string | undefined, providers: readonly ProviderId[]): Scenario {
  const name = raw ?? 'mixed';
  if ((BUILT_IN_SCENARIOS as readonly string[]).includes(name)) return builtInScenario(name as BuiltInScenario, providers);
  if (/\.(ya?ml|json)$/i.test(name)) return loadScenarioFile(name);
  throw new ConfigError('--scenario', name, `one of ${BUILT_IN_SCENARIOS.join(', ')}, or a .yaml/.json scenario file`);
}

/** Options whose value may be left out, and what they mean then. */
const OPTIONAL_VALUES: Readonly<Record<string, string>> = { '--redis': 'redis://127.0.0.1:6379', '--dashboard': '0' };

/** `--redis` alone (last, or before another option) becomes `--redis=<default>`: parseArgs has no optional values. */
function withDefaults(args: readonly string[]): string[] {
  return args.map((arg, index) => {
    const fallback = OPTIONAL_VALUES[arg];
    const next = args[index + 1];
    return fallback !== undefined && (next === undefined || next.startsWith('--')) ? `${arg}=${fallback}` : arg;
  });
}

export function parseSimulateArgs(args: readonly string[]): Parsed | 'help' {
  const { values } = parseArgs({
    args: withDefaults(args),
    strict: true,
    allowPositionals: false,
    options: {
      duration: { type: 'string' },
      speed: { type: 'string' },
      'alerts-per-day': { type: 'string' },
      rate: { type: 'string' },
      scenario: { type: 'string' },
      providers: { type: 'string' },
      config: { type: 'string' },
      seed: { type: 'string' },
      redis: { type: 'string' },
      workers: { type: 'string' },
      report: { type: 'string' },
      dashboard: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const providers = parseProviders(values.providers);
  const durationS = number('duration', values.duration, 60, (n) => n >= 1 && n <= 3600, 'a number of seconds from 1 to 3600');
  const fleet = values.redis !== undefined || values.workers !== undefined;
  const speed = number('speed', values.speed, fleet ? 1 : 10, (n) => n >= 1 && n <= MAX_SPEED, `a factor from 1 to ${MAX_SPEED}`);
  const perDay = number('alerts-per-day', values['alerts-per-day'], 50_000, (n) => n > 0 && n <= 100_000_000, 'a number of alerts per day above 0 and at most 100 000 000');
  const alertsPerDay = values.rate === undefined ? perDay : number('rate', values.rate, 0, (n) => n > 0 && n <= 69_444, 'a number of alerts per minute above 0') * 1440;
  const seed = number('seed', values.seed, 1, (n) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff, 'an integer from 0 to 4294967295');
  const client = values.config === undefined ? undefined : clientOptionsFromConfig(loadConfig({ path: values.config }).config);
  const parsed: Parsed = {
    settings: { seed, alertsPerDay, durationMs: durationS * 1000, speed, scenario: parseScenario(values.scenario, providers), providers, ...(client ? { client } : {}) },
    json: values.json === true,
    ...(values.report !== undefined ? { report: values.report } : {}),
  };
  if (values.dashboard !== undefined) parsed.dashboard = number('dashboard', values.dashboard, 0, (n) => Number.isInteger(n) && n >= 0 && n <= 65535, 'a port from 0 (any) to 65535');
  if (fleet) {
    if (speed !== 1) throw new ConfigError('--speed', speed, "1 with --redis: the fleet shares Redis's clock, which runs in real time");
    if (parsed.dashboard !== undefined) throw new ConfigError('--dashboard', values.dashboard, 'no --dashboard with --redis: each worker process has its own client (mount dashboardHandler in each process of your fleet)');
    const redisUrl = values.redis === undefined || values.redis === '' ? OPTIONAL_VALUES['--redis']! : values.redis;
    parsed.redis = { redisUrl, workers: number('workers', values.workers, 3, (n) => Number.isInteger(n) && n >= 1 && n <= 16, 'an integer from 1 to 16') };
  }
  return parsed;
}

export async function runSimulateCommand(args: readonly string[], io: SimulateIo = {}): Promise<number> {
  const out = io.stdout ?? ((text: string) => void process.stdout.write(text));
  const err = io.stderr ?? ((text: string) => void process.stderr.write(text));
  let parsed: Parsed | 'help';
  try {
    parsed = parseSimulateArgs(args);
  } catch (error) {
    err(`${error instanceof Error ? error.message : String(error)}\n\nRun 'llm-resilience simulate --help' for the options.\n`);
    return 2;
  }
  if (parsed === 'help') {
    out(SIMULATE_USAGE);
    return 0;
  }
  const { settings } = parsed;
  const spanMs = settings.durationMs * settings.speed;
  const where = parsed.redis ? `${parsed.redis.workers} processes sharing ${redactSecrets(parsed.redis.redisUrl)}, ` : '';
  err(`Simulating ${settings.scenario.name}: ${settings.providers.join(' → ')}, ${where}${settings.alertsPerDay.toLocaleString('en-US')} alerts/day, seed ${settings.seed}; ${settings.speed === 1 ? 'real time' : `time compressed ${settings.speed}× (${settings.durationMs / 1000} s real = ${formatClock(spanMs)} of provider time)`}\n`);
  for (const incident of settings.scenario.incidents) err(`  incident ${describeIncident(incident, spanMs)}\n`);
  const interactive = io.interactive ?? process.stderr.isTTY === true;
  const view: LiveView = interactive ? terminalView(err) : plainView(err, 5_000, () => systemClock.now());
  const controller = new AbortController();
  const stop = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', stop);
  let closeDashboard: (() => Promise<void>) | undefined;
  const hooks: RunHooks = {
    progressIntervalMs: interactive ? 250 : 1_000,
    onProgress: (p) => view.update(p),
    onClient: async (client, _mock, clock, speed) => {
      if (parsed.dashboard === undefined) return;
      const served = await serveDashboard(client, parsed.dashboard, clock, speed);
      closeDashboard = served.close;
      err(`Dashboard: ${served.url}\n`);
    },
  };
  let result: SimulationResult;
  try {
    result = parsed.redis ? await runFleet({ ...settings, signal: controller.signal }, parsed.redis, hooks) : await runSimulation({ ...settings, signal: controller.signal }, hooks);
  } finally {
    process.off('SIGINT', stop);
    view.finish();
    await closeDashboard?.();
  }
  if (parsed.report) {
    writeFileSync(parsed.report, writeHtmlReport(result));
    err(`Report: ${parsed.report}\n`);
  }
  out(parsed.json ? `${JSON.stringify(result)}\n` : summaryTable(result));
  return result.verdict.status === 'fail' ? 1 : 0;
}
