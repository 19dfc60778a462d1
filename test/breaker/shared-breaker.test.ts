import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type BreakerStateChangeEvent, type CircuitBreakerOptions, type SharedBreakerHealthEvent, type SharedBreakerState } from '../../src/breaker/index.js';
import { ManualClock, flushMicrotasks } from '../../src/core/clock.js';
import { CircuitBreakerError, ConfigError, StoreError } from '../../src/core/errors.js';
import { failCalls, serverError, transitions } from './helpers.js';
import { MemoryFleet } from './memory-shared-state.js';
import { sharedStateConformance } from './shared-state-conformance.js';

const REFRESH_MS = 100;
const OPEN_MS = 10_000;

interface Node {
  readonly breaker: CircuitBreaker;
  readonly events: BreakerStateChangeEvent[];
}

/** `size` processes sharing one service's breaker state, on one manual clock. */
function makeFleet(size: number, options: CircuitBreakerOptions = {}) {
  const clock = new ManualClock();
  const fleet = new MemoryFleet(clock);
  const nodes: Node[] = [];
  for (let i = 0; i < size; i++) {
    const breaker = new CircuitBreaker('openai', {
      clock,
      failureThreshold: 3,
      successThreshold: 2,
      openMs: OPEN_MS,
      halfOpenMaxCalls: 2,
      sharedRefreshMs: REFRESH_MS,
      shared: fleet.state(`p${i}`),
      ...options,
    });
    const events: BreakerStateChangeEvent[] = [];
    breaker.onStateChange.on((event) => events.push(event));
    nodes.push({ breaker, events });
  }
  /** A refresh period passes with traffic on every node: the store's replies land, and the next call acts on them. */
  async function sync(rounds = 1): Promise<void> {
    for (let round = 0; round < rounds; round++) {
      clock.advance(REFRESH_MS);
      for (const node of nodes) void node.breaker.state;
      await flushMicrotasks();
      for (const node of nodes) void node.breaker.state;
    }
  }
  return { clock, fleet, nodes, sync };
}

/** Lets `node` probe successfully until its circuit closes (bounded); a refresh period passes per round. */
async function probeToClose(clock: ManualClock, node: Node): Promise<void> {
  for (let round = 0; round < 20 && node.breaker.state !== 'closed'; round++) {
    const epoch = node.breaker.tryAcquirePermit();
    if (epoch >= 0) node.breaker.onSuccess(epoch, 10);
    await flushMicrotasks();
    clock.advance(REFRESH_MS);
  }
}

/** Another process of the same fleet, that `sync` leaves alone. */
function extraNode(fleet: MemoryFleet, id: string): Node {
  const breaker = new CircuitBreaker('openai', { clock: fleet.clock, failureThreshold: 3, openMs: OPEN_MS, sharedRefreshMs: REFRESH_MS, shared: fleet.state(id) });
  const events: BreakerStateChangeEvent[] = [];
  breaker.onStateChange.on((event) => events.push(event));
  return { breaker, events };
}

/** Every node asks for a permit `rounds` times (replies landing in between); returns the permits granted per node, left in flight. */
async function hammer(nodes: readonly Node[], rounds: number): Promise<number[][]> {
  const permits: number[][] = nodes.map(() => []);
  for (let round = 0; round < rounds; round++) {
    nodes.forEach((node, i) => {
      const epoch = node.breaker.tryAcquirePermit();
      if (epoch >= 0) permits[i]!.push(epoch);
    });
    await flushMicrotasks();
  }
  return permits;
}

sharedStateConformance('in-memory fleet', () => {
  const clock = new ManualClock();
  const fleet = new MemoryFleet(clock);
  return {
    state: (processId) => fleet.state(processId),
    wait: async (ms) => clock.advance(ms),
  };
});

describe('shared breaker options', () => {
  const clock = new ManualClock();
  const state = new MemoryFleet(clock).state('p0');
  const pathOf = (options: CircuitBreakerOptions, name = 'openai'): string => {
    try {
      new CircuitBreaker(name, { clock, ...options });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).path;
    }
    throw new Error('accepted');
  };

  it('names the bad field', () => {
    expect(pathOf({ shared: state, sharedQuorum: 0 })).toBe('circuitBreaker.sharedQuorum');
    expect(pathOf({ shared: state, sharedQuorum: 17 })).toBe('circuitBreaker.sharedQuorum');
    expect(pathOf({ shared: state, sharedQuorum: 1.5 })).toBe('circuitBreaker.sharedQuorum');
    expect(pathOf({ shared: state, sharedRefreshMs: 0 })).toBe('circuitBreaker.sharedRefreshMs');
    expect(pathOf({ shared: state, sharedRefreshMs: Number.NaN })).toBe('circuitBreaker.sharedRefreshMs');
    expect(pathOf({ shared: {} as SharedBreakerState })).toBe('circuitBreaker.shared');
    expect(pathOf({ shared: { ...state, processId: '' } })).toBe('circuitBreaker.shared');
  });

  it('refuses the state of another service: one shared state per service', () => {
    expect(pathOf({ shared: state }, 'anthropic')).toBe('circuitBreaker.shared');
  });

  it('accepts the edges: quorum 1 and 16', () => {
    expect(() => new CircuitBreaker('openai', { clock, shared: state, sharedQuorum: 1 })).not.toThrow();
    expect(() => new CircuitBreaker('openai', { clock, shared: state, sharedQuorum: 16 })).not.toThrow();
  });

  it('stats have no shared part without a shared state', () => {
    expect(new CircuitBreaker('openai', { clock }).stats().shared).toBeUndefined();
    expect(new CircuitBreaker('openai', { clock, shared: state }).stats().shared).toMatchObject({ processId: 'p0', healthy: true, quorum: 2, openedByFleet: false });
  });
});

describe('one node cannot open the fleet (Polly#287)', () => {
  it("a node's own failures open it and are reported, but below the quorum the others stay closed", async () => {
    const { fleet, nodes, sync } = makeFleet(3);
    failCalls(nodes[0]!.breaker, 3);
    expect(nodes[0]!.breaker.state).toBe('open');
    await sync(5);
    expect(fleet.calls.reportOpen).toBe(1);
    expect(fleet.openReports).toBe(1);
    for (const node of nodes.slice(1)) {
      expect(node.breaker.state).toBe('closed');
      expect(node.breaker.tryAcquirePermit()).toBeGreaterThanOrEqual(0);
      expect(node.breaker.stats().shared).toMatchObject({ openReports: 1, openedByFleet: false });
    }
  });
});

describe('a real outage opens the fleet', () => {
  it('reports from a quorum of processes open the others (reason remote) for as long as the quorum lasts', async () => {
    const { clock, fleet, nodes, sync } = makeFleet(3);
    failCalls(nodes[0]!.breaker, 3);
    clock.advance(2_000);
    failCalls(nodes[1]!.breaker, 3);
    await sync();
    const third = nodes[2]!;
    expect(third.breaker.state).toBe('open');
    expect(transitions(third.events)).toEqual(['closed→open (remote)']);
    expect(third.events[0]).toMatchObject({ failures: 2 });
    // The fleet is open while 2 reports live: until the shorter one (node 0's) ends.
    const openMs = third.events[0]!.openMs!;
    expect(openMs).toBeGreaterThan(OPEN_MS - 2_000 - 2 * REFRESH_MS);
    expect(openMs).toBeLessThanOrEqual(OPEN_MS - 2_000);
    expect(third.breaker.stats()).toMatchObject({ trips: 0, shared: { openedByFleet: true } });
    expect(third.breaker.rejectionError()).toBeInstanceOf(CircuitBreakerError);
    expect(fleet.calls.reportOpen).toBe(2);
    clock.advance(openMs);
    expect(third.breaker.state).toBe('half_open');
  });

  it('quorum 1: any single report opens the others', async () => {
    const { nodes, sync } = makeFleet(2, { sharedQuorum: 1 });
    failCalls(nodes[0]!.breaker, 3);
    await sync();
    expect(nodes[1]!.breaker.state).toBe('open');
  });

  it('a breaker the fleet opened stays open while new reports extend the quorum', async () => {
    const { clock, fleet, nodes, sync } = makeFleet(3);
    failCalls(nodes[0]!.breaker, 3);
    failCalls(nodes[1]!.breaker, 3);
    await sync();
    const follower = nodes[2]!;
    expect(follower.breaker.state).toBe('open');
    clock.advance(OPEN_MS / 2);
    failCalls(extraNode(fleet, 'late-1').breaker, 3);
    failCalls(extraNode(fleet, 'late-2').breaker, 3);
    await sync();
    clock.advance(OPEN_MS / 2);
    await sync();
    // The first reports are over, the late ones still make a quorum.
    expect(follower.breaker.state).toBe('open');
    expect(transitions(follower.events)).toEqual(['closed→open (remote)']);
    clock.advance(OPEN_MS / 2);
    expect(follower.breaker.state).toBe('half_open');
  });
});

describe('fleet-wide half-open probes', () => {
  it('when the whole fleet half-opens, at most halfOpenMaxCalls probes are in flight across it', async () => {
    const { clock, fleet, nodes, sync } = makeFleet(5);
    failCalls(nodes[0]!.breaker, 3);
    failCalls(nodes[1]!.breaker, 3);
    await sync();
    expect(nodes.every((n) => n.breaker.state === 'open')).toBe(true);
    clock.advance(OPEN_MS);
    expect(nodes.every((n) => n.breaker.state === 'half_open')).toBe(true);
    const permits = await hammer(nodes, 20);
    const granted = permits.reduce((sum, p) => sum + p.length, 0);
    expect(granted).toBe(2);
    expect(fleet.probesInFlight).toBe(2);
    // A probe ends: its token goes back, and another probe may start somewhere in the fleet.
    const holder = permits.findIndex((p) => p.length > 0);
    nodes[holder]!.breaker.onIgnored(permits[holder]!.pop()!);
    await flushMicrotasks();
    expect(fleet.probesInFlight).toBe(1);
    clock.advance(REFRESH_MS);
    const more = await hammer(nodes, 5);
    expect(more.reduce((sum, p) => sum + p.length, 0)).toBe(1);
    expect(fleet.probesInFlight).toBe(2);
  });

  it('successful probes close the prober, publish the close, and the fleet follows', async () => {
    const { clock, fleet, nodes, sync } = makeFleet(4);
    failCalls(nodes[0]!.breaker, 3);
    failCalls(nodes[1]!.breaker, 3);
    await sync();
    clock.advance(OPEN_MS);
    expect(nodes.every((n) => n.breaker.state === 'half_open')).toBe(true);
    const prober = 2;
    await probeToClose(clock, nodes[prober]!);
    expect(nodes[prober]!.breaker.state).toBe('closed');
    expect(nodes[prober]!.events.at(-1)).toMatchObject({ to: 'closed', reason: 'probes_succeeded' });
    expect(fleet.calls.reportClosed).toBe(1);
    expect(fleet.openReports).toBe(0);
    expect(fleet.probesInFlight).toBe(0);
    await sync();
    for (const [i, node] of nodes.entries()) {
      expect(node.breaker.state).toBe('closed');
      if (i !== prober) expect(node.events.at(-1)).toMatchObject({ from: 'half_open', to: 'closed', reason: 'remote' });
    }
  });

  it("a node open on its own failures serves its open time, then closes at half-open if the fleet closed since its report", async () => {
    const { clock, nodes, sync } = makeFleet(3);
    const [early, late, other] = nodes as [Node, Node, Node];
    failCalls(early.breaker, 3);
    clock.advance(5_000);
    failCalls(late.breaker, 3);
    await sync();
    expect(other.breaker.state).toBe('open');
    clock.advance(OPEN_MS - 5_000);
    expect([early.breaker.state, late.breaker.state, other.breaker.state]).toEqual(['half_open', 'open', 'half_open']);
    // The node the fleet opened probes and closes.
    await probeToClose(clock, other);
    expect(other.breaker.state).toBe('closed');
    await sync();
    expect(early.breaker.state).toBe('closed');
    expect(early.events.at(-1)).toMatchObject({ from: 'half_open', reason: 'remote' });
    // Opened on its own evidence: stays open until its own time is over...
    expect(late.breaker.state).toBe('open');
    clock.advance(5_000 - 5 * REFRESH_MS);
    await sync();
    // ...then the close published since its report closes it without a probe.
    expect(late.breaker.state).toBe('closed');
    expect(transitions(late.events)).toEqual(['closed→open (failures)', 'open→half_open (open_elapsed)', 'half_open→closed (remote)']);
  });

  it('failed probes re-open their nodes and report; a quorum of them re-opens the rest of the fleet', async () => {
    const { clock, fleet, nodes, sync } = makeFleet(4);
    failCalls(nodes[0]!.breaker, 3);
    failCalls(nodes[1]!.breaker, 3);
    await sync();
    clock.advance(OPEN_MS);
    const permits = await hammer(nodes, 5);
    const probers = permits.flatMap((p, i) => (p.length > 0 ? [i] : []));
    expect(probers).toHaveLength(2);
    for (const i of probers) for (const epoch of permits[i]!) nodes[i]!.breaker.onFailure(epoch, serverError(), 10);
    await flushMicrotasks();
    expect(fleet.probesInFlight).toBe(0);
    await sync();
    for (const [i, node] of nodes.entries()) {
      expect(node.breaker.state).toBe('open');
      expect(node.events.at(-1)).toMatchObject({ reason: probers.includes(i) ? 'probe_failed' : 'remote' });
    }
  });

  it('a token that arrives after the breaker left half-open goes back at once', async () => {
    const clock = new ManualClock();
    const fleet = new MemoryFleet(clock);
    const breaker = new CircuitBreaker('openai', { clock, failureThreshold: 1, openMs: 1_000, sharedRefreshMs: REFRESH_MS, shared: fleet.state('p0') });
    failCalls(breaker, 1);
    clock.advance(1_000);
    expect(breaker.tryAcquirePermit()).toBe(-1);
    expect(fleet.calls.acquireProbe).toBe(1);
    breaker.isolate();
    await flushMicrotasks();
    expect(fleet.probesInFlight).toBe(0);
    expect(fleet.calls.releaseProbe).toBe(1);
  });
});

describe('the view and its replies', () => {
  it('at most one read per refresh period, however many calls', async () => {
    const { clock, fleet, nodes } = makeFleet(1);
    const breaker = nodes[0]!.breaker;
    for (let i = 0; i < 1_000; i++) breaker.onSuccess(breaker.tryAcquirePermit(), 1);
    await flushMicrotasks();
    expect(fleet.calls.read).toBe(1);
    clock.advance(REFRESH_MS);
    for (let i = 0; i < 1_000; i++) breaker.onSuccess(breaker.tryAcquirePermit(), 1);
    expect(fleet.calls.read).toBe(2);
  });

  it('a breaker that closes does not re-open on the view it had before its own close', async () => {
    const { clock, fleet, nodes, sync } = makeFleet(1, { sharedQuorum: 1 });
    const a = nodes[0]!;
    failCalls(a.breaker, 3);
    clock.advance(OPEN_MS);
    const [probes] = await hammer([a], 4);
    expect(probes).toHaveLength(2);
    // Another process opens; a's next view has its report (a quorum of 1)...
    failCalls(extraNode(fleet, 'b').breaker, 3);
    clock.advance(REFRESH_MS);
    const reads = fleet.calls.read;
    void a.breaker.state;
    await flushMicrotasks();
    expect(fleet.calls.read).toBe(reads! + 1);
    // ...but a's probes succeed before it looks again: it closes and publishes the close.
    for (const epoch of probes!) a.breaker.onSuccess(epoch, 10);
    expect(a.breaker.state).toBe('closed');
    // Right after its close, before any reply: still closed.
    expect(a.breaker.tryAcquirePermit()).toBeGreaterThanOrEqual(0);
    await flushMicrotasks();
    expect(fleet.openReports).toBe(0);
    await sync(3);
    expect(a.breaker.state).toBe('closed');
    expect(transitions(a.events).at(-1)).toBe('half_open→closed (probes_succeeded)');
  });

  it('reset publishes a close (else the reports would open it again); isolate publishes nothing', async () => {
    const { fleet, nodes, sync } = makeFleet(3);
    failCalls(nodes[0]!.breaker, 3);
    failCalls(nodes[1]!.breaker, 3);
    await sync();
    nodes[2]!.breaker.isolate();
    await flushMicrotasks();
    expect(fleet.calls.reportClosed).toBeUndefined();
    expect(fleet.calls.reportOpen).toBe(2);
    nodes[2]!.breaker.reset();
    await flushMicrotasks();
    expect(fleet.calls.reportClosed).toBe(1);
    expect(fleet.openReports).toBe(0);
    await sync();
    expect(nodes[2]!.breaker.state).toBe('closed');
  });
});

describe('store failures: the breaker stays local', () => {
  it('Redis down: opens on its own failures, probes locally, counts the failure as a StoreError, and recovers', async () => {
    const { clock, fleet, nodes, sync } = makeFleet(1);
    const breaker = nodes[0]!.breaker;
    const health: SharedBreakerHealthEvent[] = [];
    breaker.onSharedHealth.on((event) => health.push(event));
    fleet.down = true;
    await sync();
    expect(breaker.state).toBe('closed');
    expect(breaker.tryAcquirePermit()).toBeGreaterThanOrEqual(0);
    failCalls(breaker, 3);
    expect(breaker.state).toBe('open');
    clock.advance(OPEN_MS);
    await sync();
    // No token can be had: the local probe limit alone applies.
    const permits = await hammer(nodes, 5);
    expect(permits[0]).toHaveLength(2);
    const shared = breaker.stats().shared!;
    expect(shared.healthy).toBe(false);
    expect(shared.storeFailures).toBeGreaterThan(0);
    expect(shared.lastError).toContain('ECONNREFUSED');
    expect(health).toHaveLength(1);
    expect(health[0]).toMatchObject({ type: 'shared_breaker_health', service: 'openai', healthy: false });
    expect(health[0]!.error).toBeInstanceOf(StoreError);
    expect(health[0]!.error!.kind).toBe('store');
    fleet.down = false;
    await sync();
    expect(breaker.stats().shared!.healthy).toBe(true);
    expect(health.at(-1)).toMatchObject({ healthy: true });
    expect(health.at(-1)!.downMs).toBeGreaterThan(0);
  });

  it('a store that never answers: every permit is answered at once, and reads do not pile up', async () => {
    const { clock, fleet, nodes } = makeFleet(1);
    const breaker = nodes[0]!.breaker;
    fleet.hang = true;
    for (let step = 0; step < 100; step++) {
      clock.advance(REFRESH_MS);
      const epoch = breaker.tryAcquirePermit();
      expect(epoch).toBeGreaterThanOrEqual(0);
      breaker.onSuccess(epoch, 1);
    }
    await flushMicrotasks();
    // One read per stale period (3 refresh periods) at most, not one per call.
    expect(fleet.calls.read).toBeLessThanOrEqual(100 / 3 + 1);
    expect(breaker.stats().shared!.openReports).toBeNull();
  });

  it('a store that throws synchronously or answers nonsense is a counted StoreError, never an exception in the call path', async () => {
    const clock = new ManualClock();
    const base = new MemoryFleet(clock).state('p0');
    const throwing: SharedBreakerState = {
      ...base,
      read: () => {
        throw new Error('client closed');
      },
    };
    const nonsense: SharedBreakerState = { ...base, read: () => Promise.resolve({ storeTimeMs: 'x' } as never) };
    for (const shared of [throwing, nonsense]) {
      const breaker = new CircuitBreaker('openai', { clock, shared, sharedRefreshMs: REFRESH_MS });
      expect(breaker.tryAcquirePermit()).toBeGreaterThanOrEqual(0);
      await flushMicrotasks();
      expect(breaker.stats().shared).toMatchObject({ healthy: false, storeFailures: 1 });
      expect(breaker.stats().shared!.lastError).toMatch(/^Shared store read failed/);
    }
  });
});
