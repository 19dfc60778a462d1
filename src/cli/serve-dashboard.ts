/** `simulate --dashboard`: the client's live dashboard on 127.0.0.1 while the run lasts. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { UnifiedLLMClient } from '../client/unified-client.js';
import { systemClock } from '../core/clock.js';

export async function serveDashboard(client: UnifiedLLMClient, port: number): Promise<{ url: string; close: () => Promise<void> }> {
  // The run's clock is compressed; the page updates in real time.
  const handler = client.dashboardHandler({ clock: systemClock, intervalMs: 500, title: 'llm-resilience simulate' });
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
