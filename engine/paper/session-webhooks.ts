// The webhooks of a session (config `monitoring.webhooks`, engine/server WebhookNotifier): which
// of the session's events each kind is. Fills and risk denials come from the outbound drain's
// listeners; the kill switch from the risk topic of the state source (a trip is the moment
// `killSwitchTripped` turns true, a reset when it turns false); model alerts from the model's
// monitors (the session passes them on); feed-health changes from the FEED_HEALTH records a live
// session journals (engine/live session-monitor.ts passes them on). Everything only enqueues:
// delivery never blocks; with an outbox (a live session's) each event is stored until delivered,
// so one a crash kept from its receiver is sent after the restart; a fill carries its journal
// position (a live session's: `fill`), so the restart's recovery posts a replayed fill whose event
// the killed process never stored (engine/server webhook-outbox.ts, marks); so does a risk denial
// (`riskDenial`: its number among the core's risk records, restored with a checkpoint). Paper sessions (`quantflow paper`) and live ones (`quantflow run`) share it.
import type { OutboundListeners } from '../threads/index.js';
import type { RiskRecord } from '../risk/index.js';
import { WebhookNotifier, type JournalPosition, type StateSource, type WebhookOutbox } from '../server/index.js';
import type { VenueFill } from '../venue/index.js';
import { feedConditionName, feedMaskNames, riskReasonMessage, riskReasonName, type FeedHealthRecord } from '../risk/index.js';
import type { MonitoringConfig } from '../config/index.js';
import type { MonitorAlert } from '../models/index.js';

/** The marks of the scope 'session' (its events' journal positions, given by a live session): fills (paper, live), risk records, feed-health records, model alerts. */
export const SESSION_MARK_NAMES: readonly string[] = ['fill:paper', 'fill:inbound', 'risk', 'feedHealth', 'modelAlert'];

export class SessionWebhooks {
  private readonly notifier: WebhookNotifier;
  private tripped = false;

  /**
   * `log`: where events that could not be delivered are reported (the session's log). `outbox`:
   * where queued events are kept until delivered (a live session's, in its journal directory), under
   * the scope 'session'; those a previous process left are sent first.
   */
  constructor(config: MonitoringConfig, private readonly symbols: readonly string[], log?: (line: string) => void, outbox?: WebhookOutbox) {
    this.notifier = new WebhookNotifier(config.webhooks.map((hook) => ({ url: hook.url, events: hook.events, ...(hook.secret ? { secret: hook.secret } : {}) })), {
      ...(log ? { log } : {}), ...(outbox ? { outbox: { store: outbox, scope: 'session', marks: SESSION_MARK_NAMES } } : {}),
    });
  }

  /** The drain's listeners: each fill and each risk record. */
  listeners(): OutboundListeners {
    return {
      onVenueReport: (report) => {
        if (report.type === 'fill') this.fill(report);
      },
      onRiskRecord: (record) => { this.riskDenial(record); },
    };
  }

  /**
   * A risk record (a denial, a deferral, a flatten record). `position`: its number among the core's
   * risk records (a live session's), so its id derives from it and its mark is stored with it.
   * `replayed`: recovery replays it; posted only when the process that made it never stored its
   * event (after the mark); true when it was posted now.
   */
  riskDenial(record: RiskRecord, position?: JournalPosition, replayed = false): boolean {
    if (replayed && (!position || this.notifier.queuedBefore(position))) {
      if (position) this.notifier.advance(position);
      return false;
    }
    this.notifier.notify('riskDenial', {
      instrument: this.symbols[record.instrument] ?? String(record.instrument), orderId: record.orderId, qty: record.qty, price: record.price,
      reason: riskReasonName(record.reason), message: riskReasonMessage(record.reason), limit: record.limit,
    }, record.tsNs, position);
    return true;
  }

  /**
   * A fill. `position`: where the journal holds it (a live session's), so its id derives from it
   * and its mark is stored with it. `replayed`: recovery replays it; posted only when the process
   * that journaled it never stored its event (after the mark); true when it was posted now.
   */
  fill(report: VenueFill, position?: JournalPosition, replayed = false): boolean {
    if (replayed && (!position || this.notifier.queuedBefore(position))) {
      if (position) this.notifier.advance(position);
      return false;
    }
    this.notifier.notify('fill', {
      instrument: this.symbols[report.instrument] ?? String(report.instrument), orderId: report.clientId, price: report.price, qty: report.qty, fee: report.fee, fillId: report.fillId, maker: report.maker,
    }, report.venueNs, position);
    return true;
  }

  /** Recovery is over: the fills' journal positions are recorded from now on (WebhookNotifier.recordMarks). */
  recovered(): void {
    this.notifier.recordMarks();
  }

  /** Follows the risk topic for kill-switch trips and resets; returns what stops following. */
  watchKillSwitch(source: StateSource): () => void {
    return source.onDelta((delta) => {
      if (delta.topic !== 'risk') return;
      const risk = delta.payload as { killSwitchTripped: boolean; killSwitchReason: string; drawdown: number };
      if (risk.killSwitchTripped === this.tripped) return;
      this.tripped = risk.killSwitchTripped;
      this.notifier.notify('killSwitch', { tripped: risk.killSwitchTripped, reason: risk.killSwitchReason, drawdown: risk.drawdown }, delta.timeNs);
    });
  }

  /**
   * A model monitor alert. `position`: where the journal holds it (a live session's), so its id
   * derives from it and its mark is stored with it. `replayed`: recovery replays its record; posted
   * only when the process that journaled it never stored its event (after the mark).
   */
  modelAlert(alert: MonitorAlert, position?: JournalPosition, replayed = false): boolean {
    if (replayed && (!position || this.notifier.queuedBefore(position))) {
      if (position) this.notifier.advance(position);
      return false;
    }
    this.notifier.notify('modelAlert', { kind: alert.kind, instrument: alert.instrument, feature: alert.feature ?? null, value: alert.value, threshold: alert.threshold }, alert.atNs, position);
    return true;
  }

  /**
   * A stream's health changed (a FEED_HEALTH record: a condition began, or the stream recovered).
   * `position`: where the journal holds the record (a live session's inbound sequence), so its id
   * derives from it and its mark is stored with it. `replayed`: recovery replays it; posted only
   * when the process that journaled it never stored its event (after the mark); true when posted now.
   */
  feedHealth(record: FeedHealthRecord, position?: JournalPosition, replayed = false): boolean {
    if (replayed && (!position || this.notifier.queuedBefore(position))) {
      if (position) this.notifier.advance(position);
      return false;
    }
    this.notifier.notify('feedHealth', {
      instrument: this.symbols[record.instrument] ?? String(record.instrument), condition: feedConditionName(record.condition), active: feedMaskNames(record.mask),
      value: record.value, stream: record.stream, sequence: record.sequence.toString(),
    }, record.detectedNs, position);
    return true;
  }

  /** Resolves once every queued event was delivered or given up (bounded by the notifier's retries). */
  idle(): Promise<void> {
    return this.notifier.idle();
  }

  close(): void {
    this.notifier.close();
  }

  /** WebhookNotifier.closeAfter: queued events get up to `graceMs` to go out, the process kept alive meanwhile. */
  closeAfter(graceMs: number): Promise<void> {
    return this.notifier.closeAfter(graceMs);
  }
}
