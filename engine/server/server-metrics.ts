// The state server's Prometheus metrics (prom-client), in a registry of its own so several
// servers in one process (tests, a host serving two sessions) never collide: frames sent,
// coalesced and dropped per topic, connected clients, slow-client disconnects, control actions
// by outcome, control resumes by outcome, malformed client messages, the engine's counters when the source has them, and
// each latency stage's HDR percentiles (ns) and record count when the source measures latency
// (a stage the session does not have is there with count 0).
import { Counter, Gauge, Registry } from 'prom-client';
import type { LatencyView, TopicName } from '../client/index.js';

/** The quantiles /metrics gives each latency stage, and the LatencyStageView field of each. */
const LATENCY_QUANTILES = [['0.5', 'p50Ns'], ['0.9', 'p90Ns'], ['0.99', 'p99Ns'], ['0.999', 'p999Ns'], ['1', 'maxNs']] as const;

export class ServerMetrics {
  readonly registry = new Registry();
  readonly framesSent: Counter<'topic'>;
  readonly framesCoalesced: Counter<'topic'>;
  readonly framesDropped: Counter<'topic'>;
  readonly clients: Gauge;
  readonly slowClientDisconnects: Counter;
  readonly refusedUpgrades: Counter;
  readonly controlActions: Counter<'action' | 'outcome'>;
  readonly malformedMessages: Counter;
  readonly controlResumes: Counter<'outcome'>;

  constructor(engineCounters: (() => Readonly<Record<string, number>>) | undefined, latency?: () => LatencyView | null) {
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
    this.refusedUpgrades = new Counter({ name: 'quantflow_server_refused_upgrades_total', help: 'WebSocket upgrades refused: a browser page of another origin', registers });
    this.controlActions = new Counter({
      name: 'quantflow_server_control_actions_total', help: 'Control actions by kind and outcome (accepted, refused, failed)', labelNames: ['action', 'outcome'], registers,
    });
    this.malformedMessages = new Counter({ name: 'quantflow_server_malformed_messages_total', help: 'Client messages rejected as malformed', registers });
    this.controlResumes = new Counter({
      name: 'quantflow_server_control_resumes_total', help: 'Resume tickets presented, by outcome (resumed, used, superseded, expired, unknown, disabled, failed)', labelNames: ['outcome'], registers,
    });
    if (engineCounters) {
      new Gauge({
        name: 'quantflow_engine_counter', help: "The engine's counters, as the state source reports them", labelNames: ['counter'], registers,
        collect() {
          this.reset();
          for (const [counter, value] of Object.entries(engineCounters())) if (Number.isFinite(value)) this.set({ counter }, value);
        },
      });
    }
    if (latency) {
      new Gauge({
        name: 'quantflow_latency_records', help: 'Records timed per latency stage (0: the session has no such stage)', labelNames: ['stage'], registers,
        collect() {
          this.reset();
          for (const stage of latency()?.stages ?? []) this.set({ stage: stage.stage }, Number(stage.count));
        },
      });
      new Gauge({
        name: 'quantflow_latency_ns', help: 'Latency per stage (ingress, ring, core, intent, journal, venue), ns, HDR histogram quantiles (1 = max)', labelNames: ['stage', 'quantile'], registers,
        collect() {
          this.reset();
          for (const stage of latency()?.stages ?? []) {
            for (const [quantile, field] of LATENCY_QUANTILES) this.set({ stage: stage.stage, quantile }, stage[field]);
          }
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
