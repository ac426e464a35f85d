// The state server's Prometheus metrics (prom-client), in a registry of its own so several
// servers in one process (tests, a host serving two sessions) never collide: frames sent,
// coalesced and dropped per topic, connected clients, slow-client disconnects, control actions
// by outcome, malformed client messages, and the engine's counters when the source has them.
import { Counter, Gauge, Registry } from 'prom-client';
import type { TopicName } from '../client/index.js';

export class ServerMetrics {
  readonly registry = new Registry();
  readonly framesSent: Counter<'topic'>;
  readonly framesCoalesced: Counter<'topic'>;
  readonly framesDropped: Counter<'topic'>;
  readonly clients: Gauge;
  readonly slowClientDisconnects: Counter;
  readonly controlActions: Counter<'action' | 'outcome'>;
  readonly malformedMessages: Counter;

  constructor(engineCounters: (() => Readonly<Record<string, number>>) | undefined) {
    const registers = [this.registry];
    this.framesSent = new Counter({ name: 'quantflow_server_frames_sent_total', help: 'Frames sent to clients, per topic', labelNames: ['topic'], registers });
    this.framesCoalesced = new Counter({
      name: 'quantflow_server_frames_coalesced_total', help: 'Delta frames a slow client never got because a later frame of the topic replaced them', labelNames: ['topic'], registers,
    });
    this.framesDropped = new Counter({
      name: 'quantflow_server_frames_dropped_total', help: 'Frames still pending when a slow client was disconnected', labelNames: ['topic'], registers,
    });
    this.clients = new Gauge({ name: 'quantflow_server_clients', help: 'Connected WebSocket clients', registers });
    this.slowClientDisconnects = new Counter({ name: 'quantflow_server_slow_client_disconnects_total', help: 'Clients closed past the hard limit', registers });
    this.controlActions = new Counter({
      name: 'quantflow_server_control_actions_total', help: 'Control actions by kind and outcome (accepted, refused, failed)', labelNames: ['action', 'outcome'], registers,
    });
    this.malformedMessages = new Counter({ name: 'quantflow_server_malformed_messages_total', help: 'Client messages rejected as malformed', registers });
    if (engineCounters) {
      new Gauge({
        name: 'quantflow_engine_counter', help: "The engine's counters, as the state source reports them", labelNames: ['counter'], registers,
        collect() {
          this.reset();
          for (const [counter, value] of Object.entries(engineCounters())) if (Number.isFinite(value)) this.set({ counter }, value);
        },
      });
    }
  }

  /** Pre-creates the per-topic series at zero so a scrape names every topic. */
  initTopics(topics: readonly TopicName[]): void {
    for (const topic of topics) {
      this.framesSent.inc({ topic }, 0);
      this.framesCoalesced.inc({ topic }, 0);
      this.framesDropped.inc({ topic }, 0);
    }
  }
}
