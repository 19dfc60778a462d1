/** `simulate --dashboard`: the client's live dashboard on 127.0.0.1 while the run lasts. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { UnifiedLLMClient } from '../client/unified-client.js';
import type { Clock } from '../core/clock.js';

/**
 * On the run's clock, so the page's times agree with its events' (both in simulated time); the
 * interval is stretched by the speed so the page still updates twice a second of real time.
 */
export async function serveDashboard(client: UnifiedLLMClient, port: number, clock: Clock, speed: number): Promise<{ url: string; close: () => Promise<void> }> {
  const handler = client.dashboardHandler({ clock, intervalMs: 500 * speed, keepAliveMs: 15_000 * speed, title: 'llm-resilience simulate' });
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/dashboard`,
    close: async () => {
      handler.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
