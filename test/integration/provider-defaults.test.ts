/**
 * Every provider works out of the box with its default limits, against the mock server over HTTP.
 * Pins the bug where xAI's one-request-per-second bucket plus the client's 100 ms provider delay
 * could never admit a request (every xAI call waited 15 s and failed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnifiedLLMClient } from '../../src/client/unified-client.js';
import { type MockServer, startMockServer } from '../../src/mock/index.js';
import { PROVIDER_IDS, type ProviderId } from '../../src/providers/types.js';

let mock: MockServer;
beforeAll(async () => {
  mock = await startMockServer({});
});
afterAll(async () => {
  await mock.close();
});

const baseURL = (id: ProviderId) => `${mock.url}${id === 'google' ? '/v1beta' : '/v1'}`;

describe('default limits of every provider', () => {
  for (const id of PROVIDER_IDS) {
    it(`${id}: two calls in a row succeed with the default limits`, async () => {
      const llm = new UnifiedLLMClient({ env: {}, providers: { [id]: { apiKey: `sk-mock-${id}`, baseURL: baseURL(id) } } });
      try {
        const started = performance.now();
        for (let i = 0; i < 2; i++) {
          const reply = await llm.chat({ messages: [{ role: 'user', content: 'hello' }], maxTokens: 8 });
          expect(reply.provider).toBe(id);
        }
        // xAI's per-second cap spaces them by about a second; nobody waits anywhere near maxWaitMs.
        expect(performance.now() - started).toBeLessThan(3_000);
      } finally {
        llm.close();
      }
    });
  }
});
