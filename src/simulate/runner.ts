/**
 * One simulation run in this process: the embedded mock providers on loopback, the alert workload
 * through a UnifiedLLMClient with fallback, the scenario's incidents, and a record of it all. The
 * mock and the client share one clock running `speed` times faster than real time, so minutes of
 * provider time (limits, latencies, breaker and backoff timers) pass in seconds.
 */
import { UnifiedLLMClient } from '../client/unified-client.js';
import { AlertDriver } from './alert-driver.js';
import { simulationClientOptions, warmUp } from './client-setup.js';
import { observeRun, setStage, type RunHooks } from './observe-run.js';
import type { SimulationResult } from './result.js';
import type { SimulationSettings } from './settings.js';

export type { LiveProgress, RunHooks } from './observe-run.js';

export async function runSimulation(settings: SimulationSettings, hooks: RunHooks = {}): Promise<SimulationResult> {
  const stage = await setStage(settings);
  const { clock, realClock, mock, alerts, spanMs } = stage;
  let client: UnifiedLLMClient | undefined;
  try {
    client = new UnifiedLLMClient(simulationClientOptions({ providers: settings.providers, speed: settings.speed, mockUrl: mock.url, clock, ...(settings.client ? { configured: settings.client } : {}) }));
    await warmUp(mock.url, clock);
    await hooks.onClient?.(client, mock, clock, settings.speed);
    const driver = new AlertDriver({ client, clock, realClock, speed: settings.speed, alerts, spanMs, providers: settings.providers, ...(settings.signal ? { signal: settings.signal } : {}) });
    return await observeRun({
      ...stage,
      hooks,
      live: () => driver.live(),
      drive: () => {
        driver.start();
        return driver.finish();
      },
    });
  } finally {
    client?.close();
    await mock.close();
  }
}
