// Where the state server's data comes from. The server never reads engine memory: a host (a
// paper session, a backtest, a live session) hands it a StateSource. `snapshot` seeds each
// topic when the server starts; `onDelta` delivers every later change, on the I/O thread. A
// delta of fills carries the new fills, of orders the changed orders, of any other topic its
// whole current payload. PushStateSource is the plain one a host (or a test) pushes into;
// EngineStateSource (engine-state-source.ts) feeds it from an EngineHost run.
import type { LatencyView, TopicName, TopicPayloads } from '../client/index.js';

export interface TopicDelta<T extends TopicName = TopicName> {
  topic: T;
  payload: TopicPayloads[T];
  /** When the change happened (ns since the epoch; engine time in a backtest). */
  timeNs: bigint;
}

export type DeltaListener = (delta: TopicDelta) => void;

export interface SourceHealth {
  ready: boolean;
  /** Why it is not ready, or what is degraded. */
  reasons: string[];
}

export interface StateSource {
  /** The topic's current payload (fills: recent fills), or null when the source has none. */
  snapshot<T extends TopicName>(topic: T): TopicPayloads[T] | null;
  /** Registers the delta listener; returns what unregisters it. */
  onDelta(listener: DeltaListener): () => void;
  /** The engine's counters for /metrics (optional). */
  counters?(): Readonly<Record<string, number>>;
  /** Readiness with reasons for /health (optional; without it the source is ready). */
  health?(): SourceHealth;
  /** Per-stage latency percentiles for /metrics, read at scrape time (optional). */
  latency?(): LatencyView | null;
}

/** A source a host pushes into: `publish` is a delta, `snapshot` answers the last whole payload. */
export class PushStateSource implements StateSource {
  private readonly listeners = new Set<DeltaListener>();
  private readonly latest = new Map<TopicName, TopicPayloads[TopicName]>();
  private engineCounters: Readonly<Record<string, number>> | undefined;
  private readiness: SourceHealth = { ready: true, reasons: [] };

  snapshot<T extends TopicName>(topic: T): TopicPayloads[T] | null {
    return (this.latest.get(topic) as TopicPayloads[T] | undefined) ?? null;
  }

  onDelta(listener: DeltaListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish<T extends TopicName>(topic: T, payload: TopicPayloads[T], timeNs: bigint = BigInt(Date.now()) * 1_000_000n): void {
    if (topic !== 'fills' && topic !== 'orders') this.latest.set(topic, payload);
    for (const listener of this.listeners) listener({ topic, payload, timeNs } as TopicDelta);
  }

  setCounters(counters: Readonly<Record<string, number>>): void {
    this.engineCounters = counters;
  }

  counters(): Readonly<Record<string, number>> {
    return this.engineCounters ?? {};
  }

  setHealth(health: SourceHealth): void {
    this.readiness = health;
  }

  health(): SourceHealth {
    return this.readiness;
  }
}
