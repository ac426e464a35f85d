// What watches a running live session (`quantflow run`, live or paper mode): the StateSource the
// state server streams (engine/server), the webhooks of `monitoring.webhooks` and the control
// channel, wired to the session through its LiveSessionWatcher hooks.
//
//   live session --listeners--> EngineStateSource (state, orders, regime, risk, latency)
//        |  hooks: phase, venue, inbound records, kill switch (journaled who/why), model alerts and
//        |  status (the models topic)
//        |  inbound ACK/FILL/CANCELED/REJECT/EXPIRED (live mode: the venue's replies come in on the
//        |  inbound ring, inbound-venue-reply.ts) --> the source's fills and orders, fill webhooks
//        v
//   LiveSessionMonitor: StateSource for the server
//     - risk: the kill switch's reason is the journaled one (who: why), not only the core's flag
//     - health topic and /health: not ready while recovering, reconciling, disconnected from the
//       venue or stopping; degraded while a feed is unhealthy (FEED_HEALTH records) or the kill
//       switch is tripped or the engine is behind (venue records wait, journaled, for room on the
//       inbound ring)
//     - webhooks (engine/paper SessionWebhooks, shared with paper sessions): fills, risk denials,
//       model alerts, feed-health changes; kill-switch trips and resets from the journaled
//       transitions once recovered (a restart that recovers a tripped switch sends nothing, except
//       a transition journaled after the kill switch scope's mark: the killed process never
//       stored its event; each with an id derived from its journal position); fills
//       and risk denials once recovered too (a paper session's replay fills its journaled orders
//       again in the core's simulated venue: the previous process posted those); with an outbox,
//       every event is stored until its hook answers 2xx, and what a killed process left undelivered
//       is sent by the next one first, with the same event ids (at least once). A fill is stored
//       with its journal position (paper: the simulated venue's fill id; live: the FILL's inbound
//       sequence): recovery posts the replayed fills after the position the outbox recorded (the
//       killed process journaled them but never stored their event), with ids derived from it;
//       a risk denial likewise, positioned by its number among the core's risk records
//       (RH_RISK_RECORDS, restored with a checkpoint: read at engineStarted), and a feed-health
//       change by its FEED_HEALTH record's inbound sequence, a model alert by its journal record
//   control: LiveSessionControl (session-server-control.ts), the server's control handler
//
// The engine's state is read on the I/O thread's timer (every `throttleMs`, default 250 ms), from
// the block the core publishes under a seqlock; nothing here runs on the engine thread or waits
// for a client.
import type { EngineHost, OutboundListeners } from '../threads/index.js';
import { EngineStateSource, WebhookNotifier, mergeOutboundListeners, type DeltaListener, type SourceHealth, type StateSource, type TopicDelta, type WebhookOutbox } from '../server/index.js';
import { SessionWebhooks, modelsView } from '../paper/index.js';
import type { MonitoringConfig } from '../config/index.js';
import type { HealthStatusName, HealthView, LatencyView, RiskView, TopicName, TopicPayloads } from '../client/index.js';
import { decodeFeedHealth, feedConditionName, feedMaskNames, riskRecordsPublished } from '../risk/index.js';
import type { ModelStatus, MonitorAlert } from '../models/index.js';
import type { VenueReply } from '../venue/index.js';
import { EV_KIND, EventKind, KIND_MASK } from '../layout/event-record.js';
import { INBOUND_CAPACITY, OUTBOUND_CAPACITY } from '../layout/memory-map.js';
import { LiveSessionControl } from './session-server-control.js';
import { inboundVenueReply } from './inbound-venue-reply.js';
import type { LiveSessionWatcher, SessionPhase } from './live-session.js';

export interface LiveSessionMonitorOptions {
  /** The session's instruments (id and symbol, and their bar timeframe in seconds), as the pipeline numbers them. */
  readonly instruments: readonly { instrument: number; symbol: string; timeframeSeconds?: number }[];
  /** Each instrument's configured strategy name (the pipeline's strategyOf), for the signals topic. */
  readonly strategyOf?: readonly (string | undefined)[];
  readonly mode: 'live' | 'paper';
  /** The account's starting equity (the state before the first read). */
  readonly equity: number;
  /** `monitoring` of the configuration (its webhooks). */
  readonly monitoring: MonitoringConfig;
  /** State reads at most this often, ms (default 250). */
  readonly throttleMs?: number;
  readonly log?: (line: string) => void;
  /** Where webhook events are kept until delivered (engine/server WebhookOutbox; `quantflow run`: <journal>/webhook-outbox): at least once across a crash. */
  readonly outbox?: WebhookOutbox;
}

const PHASE_REASONS: Readonly<Record<Exclude<SessionPhase, 'trading'>, string>> = {
  recovering: 'recovering: replaying the journal through the core',
  reconciling: 'reconciling with the venue',
  disconnected: 'disconnected from the venue; the adapter reconnects',
  stopping: 'stopping',
  stopped: 'the session has stopped',
};

/** The health reason while venue records wait for room on the inbound ring. */
export const INBOUND_BEHIND_REASON = 'degraded: the engine is behind: venue records (journaled) wait in order for room on the inbound ring';

export class LiveSessionMonitor implements LiveSessionWatcher, StateSource {
  readonly control: LiveSessionControl;
  readonly listeners: OutboundListeners;
  private readonly engine: EngineStateSource;
  private pausedNow: readonly string[] = [];
  private readonly webhooks: SessionWebhooks | null;
  /** The kill switch's webhooks: one event per journaled transition once recovered (never for the state recovery restores). */
  private readonly killSwitchHooks: WebhookNotifier | null;
  /** The venue's replies (inbound in live mode) to the state source and the fill webhooks. */
  private readonly venueReport: NonNullable<OutboundListeners['onVenueReport']> | null;
  private readonly deltaListeners = new Set<DeltaListener>();
  private readonly symbols = new Map<number, string>();
  /** Active feed conditions by instrument (the latest FEED_HEALTH record's mask). */
  private readonly feeds = new Map<number, number>();
  private readonly startedMs = Date.now();
  private host: EngineHost | null = null;
  private timer: NodeJS.Timeout | null = null;
  private phaseNow: SessionPhase = 'recovering';
  private phaseDetail = '';
  private killSwitchNow = { halted: false, who: '', why: '' };
  /** Venue records (journaled) wait for room on the inbound ring: the engine is behind. */
  private inboundBehind = false;
  /** Times the engine fell behind since this monitor started. */
  private inboundBehindStretches = 0;
  private healthNow: HealthView | null = null;
  /** The core's risk records before this process's first (the checkpoint's count, read at start) and those drained since: the n-th's journal position. */
  private riskRecordsBase = 0n;
  private riskRecordsSeen = 0n;
  private healthKey = '';

  constructor(private readonly options: LiveSessionMonitorOptions) {
    for (const { instrument, symbol } of options.instruments) this.symbols.set(instrument, symbol);
    this.engine = new EngineStateSource({ instruments: options.instruments, mode: options.mode, startingCash: options.equity, throttleMs: options.throttleMs ?? 250, killSwitchHealth: false });
    if (options.strategyOf) this.engine.nameStrategies(options.strategyOf);
    this.webhooks = options.monitoring.webhooks.length > 0 ? new SessionWebhooks(options.monitoring, options.instruments.map((entry) => entry.symbol), options.log, options.outbox) : null;
    this.listeners = mergeOutboundListeners(this.engine.listeners(), this.webhooks ? this.afterRecovery(this.webhooks) : {});
    this.venueReport = options.mode === 'live' ? this.listeners.onVenueReport ?? null : null;
    const killSwitchHooks = options.monitoring.webhooks.filter((hook) => hook.events.includes('killSwitch'));
    this.killSwitchHooks = killSwitchHooks.length > 0
      ? new WebhookNotifier(killSwitchHooks.map((hook) => ({ url: hook.url, events: ['killSwitch'], ...(hook.secret ? { secret: hook.secret } : {}) })), {
        ...(options.log ? { log: options.log } : {}), ...(options.outbox ? { outbox: { store: options.outbox, scope: 'killSwitch', marks: ['killSwitch'] } } : {}),
      })
      : null;
    this.control = new LiveSessionControl(options.log);
    this.engine.onDelta((delta) => {
      if (delta.topic === 'health') return this.publishHealth(true);
      this.emit(delta.topic === 'risk' ? { ...delta, payload: this.withJournaledReason(delta.payload as RiskView) } : delta);
    });
  }

  /**
   * The webhooks' fill and risk-denial listeners. Recovery's replay runs the journal's records
   * through the core again, and in paper mode its simulated venue fills the journaled orders again
   * (and the risk module denies again) on the outbound ring: the process that journaled them
   * posted them, except the fills journaled after the mark its outbox recorded (killed between the
   * journal and the outbox: SessionWebhooks.fill posts those). Denials likewise (SessionWebhooks.riskDenial).
   * Paper mode's fills are the core's (SOURCE_PAPER on the drain), positioned by the simulated
   * venue's fill id (one counter, growing, restored with the core); live mode's come in on the
   * inbound ring (inbound, replayed). Risk records are positioned by their number among the
   * core's (RH_RISK_RECORDS, restored with the core): those recovery replays are posted after the
   * outbox's mark 'risk' (the killed process never stored them), as fills are.
   */
  private afterRecovery(webhooks: SessionWebhooks): OutboundListeners {
    const listeners = webhooks.listeners();
    const live = (): boolean => this.phaseNow !== 'recovering';
    return {
      ...(this.options.mode === 'paper' ? {
        onVenueReport: (report: VenueReply) => {
          if (report.type === 'fill') webhooks.fill(report, { mark: 'fill:paper', at: BigInt(report.fillId) }, !live());
        },
      } : {}),
      ...(listeners.onRiskRecord ? {
        onRiskRecord: (record) => {
          this.riskRecordsSeen++;
          webhooks.riskDenial(record, { mark: 'risk', at: this.riskRecordsBase + this.riskRecordsSeen }, !live());
        },
      } : {}),
    };
  }

  // --- LiveSessionWatcher: the session's hooks ---

  engineStarted(host: EngineHost): void {
    this.host = host;
    // Before recovery publishes anything: the core is idle, holding the checkpoint's count.
    this.riskRecordsBase = riskRecordsPublished(host.memory);
    this.riskRecordsSeen = 0n;
    this.engine.attach(host);
    this.timer = setInterval(() => {
      this.engine.tick(true);
      this.publishHealth();
    }, this.options.throttleMs ?? 250);
    this.timer.unref();
    this.publishHealth();
  }

  phase(phase: SessionPhase, detail = ''): void {
    if (this.phaseNow === 'recovering' && phase !== 'recovering') {
      this.webhooks?.recovered();
      this.killSwitchHooks?.recordMarks();
    }
    this.phaseNow = phase;
    this.phaseDetail = detail;
    this.publishHealth();
  }

  inboundWaiting(waiting: number): void {
    if (waiting > 0 && !this.inboundBehind) this.inboundBehindStretches++;
    this.inboundBehind = waiting > 0;
    this.publishHealth();
  }

  inbound(record: Uint8Array, inboundSeq = 0n): void {
    const view = new DataView(record.buffer, record.byteOffset, 64);
    if ((view.getInt32(EV_KIND, true) & KIND_MASK) !== EventKind.FEED_HEALTH) {
      // Live mode: the venue's fills and order events come in on the inbound ring (the core's drain never reports them).
      const reply = this.venueReport ? inboundVenueReply(record) : null;
      if (reply) this.venueReport!(reply);
      if (reply?.type === 'fill') this.webhooks?.fill(reply, { mark: 'fill:inbound', at: inboundSeq });
      return;
    }
    const health = decodeFeedHealth(view, 0);
    this.feeds.set(health.instrument, health.mask);
    this.webhooks?.feedHealth(health, inboundSeq > 0n ? { mark: 'feedHealth', at: inboundSeq } : undefined);
    this.options.log?.(`monitor: feed ${this.symbol(health.instrument)} ${feedConditionName(health.condition)}${health.mask !== 0 ? ` (active: ${feedMaskNames(health.mask).join(', ')})` : ''}`);
    this.publishHealth();
  }

  replayed(record: Uint8Array, inboundSeq: bigint): void {
    if (!this.webhooks) return;
    // A journaled FEED_HEALTH record (either mode) and, in live mode, a journaled FILL recovery replays: its webhook is posted when its
    // event was never stored (after the outbox's mark: the process that journaled it was killed first).
    const view = new DataView(record.buffer, record.byteOffset, 64);
    if ((view.getInt32(EV_KIND, true) & KIND_MASK) === EventKind.FEED_HEALTH) {
      this.webhooks.feedHealth(decodeFeedHealth(view, 0), { mark: 'feedHealth', at: inboundSeq }, true);
      return;
    }
    if (this.options.mode !== 'live') return;
    const reply = inboundVenueReply(record);
    if (reply?.type === 'fill') this.webhooks.fill(reply, { mark: 'fill:inbound', at: inboundSeq }, true);
  }

  killSwitch(halted: boolean, who: string, why: string, journaledNow = false, sequence?: bigint): void {
    // A webhook for each trip and reset once recovered, its id derived from the transition's journal position (`sequence`) and
    // that position stored with it as the outbox's mark. Recovery's replay restores the state without one (the previous process
    // stored it: at or before the mark), except a transition after the mark (the previous process was killed between its record
    // and the outbox) and a trip this process journaled (the previous one died between the core's trip and its record).
    const hooks = this.killSwitchHooks;
    const position = sequence !== undefined ? { mark: 'killSwitch', at: sequence } : undefined;
    const replayed = this.phaseNow === 'recovering' && !journaledNow;
    const announce = replayed
      ? position !== undefined && hooks !== null && !hooks.queuedBefore(position)
      : halted !== this.killSwitchNow.halted;
    if (announce) {
      const drawdown = (this.engine.snapshot('risk') as RiskView | null)?.drawdown ?? 0;
      hooks?.notify('killSwitch', { tripped: halted, reason: `${who}: ${why}`, who, why, drawdown }, undefined, position);
    } else if (position) hooks?.advance(position);
    this.killSwitchNow = { halted, who, why };
    // The core's flag follows at its next batch boundary; the timer reads it.
    this.publishHealth();
  }

  pausedStrategies(names: readonly string[]): void {
    if (names.length > 0 || this.pausedNow.length > 0) this.options.log?.(`monitor: paused strategies: ${names.length > 0 ? names.join(', ') : 'none'}`);
    this.pausedNow = [...names];
    this.engine.setPausedStrategies(names);
  }

  /** An alert journaled at `sequence` (its webhook id derives from it); a `replayed` one is posted only after the outbox's mark. */
  modelAlert(alert: MonitorAlert, sequence?: bigint, replayed = false): void {
    this.webhooks?.modelAlert(alert, sequence !== undefined ? { mark: 'modelAlert', at: sequence } : undefined, replayed);
  }

  modelStatus(status: ModelStatus): void {
    const host = this.host;
    this.engine.publishModels(modelsView(status, host?.pipelineMap ? host.pipelineCounters().modelWait : undefined));
  }

  // --- StateSource: what the state server streams ---

  snapshot<T extends TopicName>(topic: T): TopicPayloads[T] | null {
    if (topic === 'health') return (this.healthNow ?? this.healthView()) as TopicPayloads[T];
    const payload = this.engine.snapshot(topic);
    if (topic === 'risk' && payload !== null) return this.withJournaledReason(payload as RiskView) as TopicPayloads[T];
    return payload;
  }

  onDelta(listener: DeltaListener): () => void {
    this.deltaListeners.add(listener);
    return () => this.deltaListeners.delete(listener);
  }

  /** The engine's counters, and whether venue records wait for room on the inbound ring now (inbound_behind 0/1) and how many times they did (/metrics). */
  counters(): Readonly<Record<string, number>> {
    return { ...this.engine.counters(), inbound_behind: this.inboundBehind ? 1 : 0, inbound_behind_stretches: this.inboundBehindStretches };
  }

  latency(): LatencyView | null {
    return this.engine.latency();
  }

  health(): SourceHealth {
    const engine = this.engine.health();
    const reasons = [...engine.reasons];
    const ready = engine.ready && this.phaseNow === 'trading';
    if (this.phaseNow !== 'trading') reasons.unshift(`${PHASE_REASONS[this.phaseNow]}${this.phaseDetail ? ` (${this.phaseDetail})` : ''}`);
    for (const [instrument, mask] of this.feeds) if (mask !== 0) reasons.push(`degraded: feed ${this.symbol(instrument)} unhealthy (${feedMaskNames(mask).join(', ')})`);
    if (this.killSwitchNow.halted) reasons.push(`degraded: the kill switch is tripped (${this.killSwitchNow.who}: ${this.killSwitchNow.why}); no new exposure`);
    if (this.inboundBehind) reasons.push(INBOUND_BEHIND_REASON);
    return { ready, reasons };
  }

  /** Stops reading, publishes the last state, and gives queued webhook events up to `webhookGraceMs` (default 2000) to go out. */
  async close(webhookGraceMs = 2000): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.host) this.engine.detach();
    this.host = null;
    this.publishHealth();
    await Promise.all([this.webhooks, this.killSwitchHooks].map((hook) => hook?.closeAfter(webhookGraceMs)));
  }

  private emit(delta: TopicDelta): void {
    for (const listener of this.deltaListeners) listener(delta);
  }

  private symbol(instrument: number): string {
    return this.symbols.get(instrument) ?? `#${instrument}`;
  }

  /** The risk payload with the kill switch's reason as journaled (who: why) while the core is halted. */
  private withJournaledReason(risk: RiskView): RiskView {
    if (!risk.killSwitchTripped || !this.killSwitchNow.halted || this.killSwitchNow.who === '') return risk;
    return { ...risk, killSwitchReason: `${this.killSwitchNow.who}: ${this.killSwitchNow.why}` };
  }

  /** The health topic's payload now: the engine's (rings, counters, the core's feed states) with the session's components in front. */
  private healthView(): HealthView {
    const health = this.health();
    const host = this.host;
    const engine = this.engine.snapshot('health');
    const status: HealthStatusName = !health.ready ? 'down' : health.reasons.length > 0 ? 'degraded' : 'ok';
    const venueStatus: HealthStatusName = this.phaseNow === 'trading' ? 'ok' : this.phaseNow === 'reconciling' || this.phaseNow === 'recovering' ? 'degraded' : 'down';
    const components: HealthView['components'] = [
      { name: 'session', status: venueStatus, detail: this.phaseNow === 'trading' ? `trading (${this.options.mode})` : `${PHASE_REASONS[this.phaseNow]}${this.phaseDetail ? ` (${this.phaseDetail})` : ''}` },
      { name: 'kill switch', status: this.killSwitchNow.halted ? 'degraded' : 'ok', detail: this.killSwitchNow.halted ? `tripped by ${this.killSwitchNow.who}: ${this.killSwitchNow.why}` : 'armed' },
      ...this.options.instruments.map(({ instrument, symbol }) => {
        const mask = this.feeds.get(instrument) ?? 0;
        return { name: `feed ${symbol}`, status: (mask === 0 ? 'ok' : 'degraded') as HealthStatusName, detail: mask === 0 ? 'healthy' : feedMaskNames(mask).join(', ') };
      }),
    ];
    if (engine) return { ...engine, status, components: [...components, ...engine.components] };
    return {
      status, uptimeSeconds: (Date.now() - this.startedMs) / 1000, eventsProcessed: host ? BigInt(host.counters().eventsProcessed) : 0n,
      inboundRingFill: host ? 1 - host.inbound.freeSlots() / INBOUND_CAPACITY : 0, outboundRingFill: host ? host.outbound.available() / OUTBOUND_CAPACITY : 0, components, feeds: [],
    };
  }

  /** Publishes the health topic when a status, component or feed changed (or `force`: the engine's figures moved). */
  private publishHealth(force = false): void {
    const view = this.healthView();
    const key = JSON.stringify([view.status, view.components, view.feeds.map((feed) => [feed.instrumentId, feed.conditionMask, feed.action])]);
    this.healthNow = view;
    if (key === this.healthKey && !force) return;
    this.healthKey = key;
    this.emit({ topic: 'health', payload: view, timeNs: BigInt(Date.now()) * 1_000_000n });
  }
}
