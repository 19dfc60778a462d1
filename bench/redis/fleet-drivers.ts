/**
 * One driver per limiter for a fleet worker: callers that admit in a loop as fast as the limiter
 * lets them, each the way that library is meant to be used when a request must wait: ours and
 * bottleneck queue the caller; rate-limiter-flexible refuses, and the caller sleeps for the
 * `msBeforeNext` it was told, then tries again.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import Bottleneck from 'bottleneck';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { newClient, REDIS_HOST, REDIS_PORT } from './connection.js';
import { bottleneckFleetOptions, flexibleFleetOptions, type FleetLimiter, type FleetPlan, ourFleetLimits } from './fleet-config.js';
import { wallNow } from './fleet-protocol.js';
import type { RateLimiter } from '../../src/index.js';
import { ourLimiter } from './ours.js';

export type Recorder = (at: number, windowEnd?: number) => void;

export interface FleetDriver {
  /** One caller: admits in a loop until `deadline` (wall ms), recording each admission. */
  caller(deadline: number, record: Recorder): Promise<void>;
  /** Ends every wait in progress: the run is over. */
  stop(): Promise<void>;
  /** Closes the limiter's connections. */
  close(): Promise<void>;
  failures: number;
  firstFailure: string | undefined;
}

abstract class Driver implements FleetDriver {
  failures = 0;
  firstFailure: string | undefined;
  protected stopped = false;

  abstract caller(deadline: number, record: Recorder): Promise<void>;
  abstract close(): Promise<void>;
  /** Ends the waits in progress (called once). */
  protected abstract halt(): Promise<void>;

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.halt();
  }

  /** Counts a failure unless the run is over (a wait cut short by stop() is not one). */
  protected failed(error: unknown): void {
    if (this.stopped) return;
    this.failures++;
    this.firstFailure ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
}

class OursDriver extends Driver {
  private readonly client = newClient();
  private readonly limiter: RateLimiter;

  constructor(namespace: string, plan: FleetPlan) {
    super();
    this.limiter = ourLimiter(this.client, namespace, ourFleetLimits(plan));
    // A store failure hands admission to a local limiter: count it as a failure, it is not Redis's doing.
    this.limiter.events.on((event) => {
      if (event.type === 'store_unavailable') this.failed(new Error(`Redis store unavailable, ${event.failMode} mode: ${event.message}`));
    });
  }

  async caller(deadline: number, record: Recorder): Promise<void> {
    while (!this.stopped && wallNow() < deadline) {
      try {
        const lease = await this.limiter.acquire();
        record(wallNow());
        lease.release();
      } catch (error) {
        this.failed(error);
      }
    }
  }

  protected async halt(): Promise<void> {
    this.limiter.close();
  }

  async close(): Promise<void> {
    await this.client.quit();
  }
}

class FlexibleDriver extends Driver {
  private readonly client = newClient();
  private readonly limiter: RateLimiterRedis;
  private readonly naps = new AbortController();

  constructor(namespace: string, plan: FleetPlan) {
    super();
    this.limiter = new RateLimiterRedis({ storeClient: this.client, keyPrefix: namespace, ...flexibleFleetOptions(plan) });
  }

  async caller(deadline: number, record: Recorder): Promise<void> {
    while (!this.stopped && wallNow() < deadline) {
      try {
        const res = await this.limiter.consume('fleet', 1);
        const at = wallNow();
        record(at, at + res.msBeforeNext);
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) {
          this.failed(error);
          continue;
        }
        const ms = Math.max(1, Math.min(error.msBeforeNext, deadline - wallNow()));
        await sleep(ms, undefined, { signal: this.naps.signal }).catch(() => undefined);
      }
    }
  }

  protected async halt(): Promise<void> {
    this.naps.abort();
  }

  async close(): Promise<void> {
    await this.client.quit();
  }
}

class BottleneckDriver extends Driver {
  private readonly limiter: Bottleneck;

  constructor(namespace: string, plan: FleetPlan) {
    super();
    this.limiter = new Bottleneck({
      id: namespace,
      datastore: 'ioredis',
      clientOptions: { host: REDIS_HOST, port: REDIS_PORT, maxRetriesPerRequest: 1, retryStrategy: () => null },
      // Every worker passes the same settings; the first to start writes them to Redis.
      clearDatastore: false,
      ...bottleneckFleetOptions(plan),
    });
    this.limiter.on('error', (error: unknown) => this.failed(error));
  }

  ready(): Promise<unknown> {
    return this.limiter.ready();
  }

  async caller(deadline: number, record: Recorder): Promise<void> {
    const job = (): Promise<void> => {
      record(wallNow());
      return Promise.resolve();
    };
    while (!this.stopped && wallNow() < deadline) {
      try {
        await this.limiter.schedule(job);
      } catch (error) {
        this.failed(error);
      }
    }
  }

  protected async halt(): Promise<void> {
    await this.limiter.stop({ dropWaitingJobs: true });
  }

  async close(): Promise<void> {
    await this.limiter.disconnect(true);
  }
}

/** Opens the driver of `limiter` on the shared namespace and waits until it can admit. */
export async function openDriver(limiter: FleetLimiter, namespace: string, plan: FleetPlan): Promise<FleetDriver> {
  switch (limiter) {
    case 'llm-resilience':
      return new OursDriver(namespace, plan);
    case 'rate-limiter-flexible':
      return new FlexibleDriver(namespace, plan);
    case 'bottleneck': {
      const driver = new BottleneckDriver(namespace, plan);
      await driver.ready();
      return driver;
    }
  }
}
