// The ML expert of a paper session: the configured model (config `model`) opened once for the
// session, the core's wait configured on the fusion instruments that get it, and the ModelFeed
// that answers the core's FEATURES records with MODEL records through the session's inbound
// queue. A model that cannot serve (corrupt, wrong signature or horizon, no fusion instrument to
// serve) leaves the session running without the ML expert: absent, with the reason, which the
// session reports on stderr, in /health (degraded, still ready) and on the models topic.
import type { QuantFlowConfig } from '../config/index.js';
import { ModelFeed, describeModelSource, openConfiguredModel, type ModelStatus, type MonitorAlert } from '../models/index.js';
import type { ModelWaitCounters } from '../pipeline/index.js';
import type { ModelsView } from '../client/index.js';
import type { SimulatedModelInput } from '../backtest/index.js';
import { InboundQueue } from './inbound-queue.js';

export interface SessionModel {
  readonly feed: ModelFeed;
  readonly queue: InboundQueue;
  /** The model input of simulatedTradingSpec (null when absent). */
  readonly input: SimulatedModelInput | null;
  /** The configured wait, ms: also the wall-time budget of each answer. */
  readonly waitMs: number;
  /** Why the model is absent (null when serving). */
  readonly absentReason: string | null;
}

export interface SessionModelHooks {
  onAlert(alert: MonitorAlert): void;
  onStatus(): void;
}

/** Opens `config.model` (null when the configuration has none). */
export async function openSessionModel(config: QuantFlowConfig, symbols: readonly string[], hooks: SessionModelHooks): Promise<SessionModel | null> {
  const modelConfig = config.model;
  if (modelConfig === null) return null;
  const opened = await openConfiguredModel(modelConfig, config.fusion.ml.horizonBars);
  const queue = new InboundQueue();
  const waitNs = BigInt(Math.round(modelConfig.waitMs * 1e6));
  const feed = new ModelFeed({
    model: opened.state === 'serving' ? opened.model : null,
    source: opened.source,
    reason: opened.state === 'absent' ? opened.reason : undefined,
    symbols,
    monitor: modelConfig.monitor,
    inject: queue.push,
    onAlert: hooks.onAlert,
    onStatus: hooks.onStatus,
  });
  return {
    feed,
    queue,
    input: opened.state === 'serving' ? { features: opened.model.metadata.features, waitNs, symbols: modelConfig.instruments } : null,
    waitMs: modelConfig.waitMs,
    absentReason: opened.state === 'absent' ? opened.reason : null,
  };
}

/** The session model when no instrument of the spec waits for it: absent, with the reason. */
export async function withoutServedInstruments(model: SessionModel, config: QuantFlowConfig, symbols: readonly string[], hooks: SessionModelHooks): Promise<SessionModel> {
  const wanted = config.model?.instruments;
  const reason = `no instrument gets the ML expert: it serves fusion strategies${wanted ? ` on ${wanted.join(', ')}` : ''}, and the session's fusion instruments are none of ${symbols.join(', ')}`;
  await model.feed.close();
  const feed = new ModelFeed({ model: null, source: describeModelSource(config.model!), reason, symbols, monitor: config.model!.monitor, inject: model.queue.push, onAlert: hooks.onAlert, onStatus: hooks.onStatus });
  return { ...model, feed, input: null, absentReason: reason };
}

/**
 * The core's timeouts that were the model's: bars it waited for in vain although a fold model
 * applied. The bars before the first fold's training ended have no model to answer them (the
 * feed counts them as noFold and sends nothing, so the core's wait times out on each); they are
 * reported apart ("no model for N bars"), not as timeouts.
 */
export function modelTimeouts(coreTimeouts: number, noFold: number): number {
  return Math.max(0, coreTimeouts - noFold);
}

/** The models topic's payload from the feed's status and the core's wait counters. */
export function modelsView(status: ModelStatus, waits: ModelWaitCounters | undefined): ModelsView {
  const c = status.counters;
  const big = (n: number): bigint => BigInt(Math.max(0, Math.trunc(n)));
  return {
    state: status.state,
    reason: status.reason ?? '',
    source: status.source,
    name: status.name ?? '',
    hash: status.hash ?? '',
    fold: status.fold ?? -1,
    driftThreshold: status.driftThreshold,
    coverageTolerance: status.coverageTolerance,
    features: status.features.map((f) => ({ instrument: f.instrument, name: f.name, psi: f.psi, alerting: f.alerting })),
    calibration: status.calibration.map((q) => ({
      instrumentId: q.instrumentId, instrument: q.instrument, coverage: q.coverage, nominal: q.nominal, pinball: [...q.pinball], observations: q.observations, alerting: q.alerting,
    })),
    counters: {
      vectors: big(c.vectors), predictions: big(c.predictions), noFold: big(c.noFold), nonFinite: big(c.nonFinite), crossed: big(c.crossed), failures: big(c.failures),
      calibrationSkipped: big(c.calibrationSkipped), inFlight: c.inFlight, onTime: big(waits?.onTime ?? 0), timeouts: big(modelTimeouts(waits?.timeouts ?? 0, c.noFold)), late: big(waits?.late ?? 0),
      latencyP50Us: c.latencyP50Us, latencyP99Us: c.latencyP99Us,
    },
    recentAlerts: status.recentAlerts.map((a) => ({ kind: a.kind, instrument: a.instrument, feature: a.feature ?? '', value: a.value, threshold: a.threshold, timeNs: a.atNs })),
  };
}
