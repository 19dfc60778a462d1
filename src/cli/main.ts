#!/usr/bin/env node
/**
 * The `llm-resilience` command. `simulate` (the default) runs the seeds' alert workload against
 * the embedded mock providers.
 */
import { runDemo } from './demo.js';
import { runSimulateCommand } from './simulate-command.js';
import { runCheckConfig } from './check-config.js';
import { runMockCommand } from './mock-command.js';

const USAGE = `Usage: llm-resilience <command>

Commands:
  simulate [options]
                  The main job: the seeds' alert workload (50 000 alerts a day) through
                  UnifiedLLMClient with fallback against embedded mock providers, with incidents
                  (outage, quota, 429 storm, slow provider), live progress and a summary;
                  --report file.html, --dashboard, --json (see simulate --help).
  demo [--json]   A short, real run of the engine: rate limits, priorities, a provider outage
                  that opens a circuit, retries with backoff and retry-after (about 10 s).
  mock [--port N] [--config file.json] [--seed N]
                  The mock provider server (OpenAI, Anthropic, Gemini, xAI, DeepSeek, Moonshot)
                  on 127.0.0.1, with each provider's limits, headers, errors and faults.
  check-config [file]
                  Prints the merged configuration (defaults < config/resilience.yaml or file
                  < environment), each value with its source, secrets masked; or every problem.
                  Exit code 0 when valid, 1 when not.
  help            This text.
`;

async function main(argv: string[]): Promise<number> {
  const [command = 'simulate', ...rest] = argv;
  switch (command) {
    case 'simulate':
      return runSimulateCommand(rest);
    case 'demo':
      return runDemo({ json: rest.includes('--json') });
    case 'mock':
      return runMockCommand(rest);
    case 'check-config':
      return runCheckConfig(rest);
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`Unknown command '${command}'.\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
