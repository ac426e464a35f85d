// The journal's entries as plain objects: one type per JournalEntry union member of
// schemas/journal.fbs that the engine writes (commands before they leave, inbound ring records
// before they are published, control actions). Venue events reach the journal as inbound
// 64-byte records, so the fbs members OrderAccepted, OrderRejected, FillReceived and
// OrderCanceled have no plain form here (decoding them fails with JournalFormatError).

export type EngineModeName = 'backtest' | 'paper' | 'live';
export type SideName = 'buy' | 'sell';

/** Bytes of an inbound ring record (the 64-byte event record). */
export const INBOUND_RECORD_BYTES = 64;

/** The most characters of a REJECT's message an inbound entry holds (the session cuts longer ones: boundedRejectMessage). */
export const MAX_REJECT_MESSAGE_CHARS = 256;

/** `text` cut to MAX_REJECT_MESSAGE_CHARS (the last character an ellipsis when cut). */
export function boundedRejectMessage(text: string): string {
  return text.length <= MAX_REJECT_MESSAGE_CHARS ? text : `${text.slice(0, MAX_REJECT_MESSAGE_CHARS - 1)}…`;
}

export type JournalEntry =
  /** `message`: the venue's words for an order's REJECT (at most MAX_REJECT_MESSAGE_CHARS); absent otherwise and in older journals. */
  | { type: 'inbound'; inboundSeq: bigint; record: Uint8Array; sourceSeq: bigint; message?: string }
  | {
      type: 'submit';
      orderId: bigint;
      clientOrderId: string;
      instrument: number;
      side: SideName;
      quantity: number;
      limitPrice: number | null;
      stopPrice: number | null;
      reduceOnly: boolean;
      postOnly: boolean;
      record: Uint8Array;
    }
  | { type: 'cancel'; orderId: bigint; clientOrderId: string; instrument: number; reason: string; record: Uint8Array }
  | {
      type: 'replace';
      orderId: bigint;
      clientOrderId: string;
      instrument: number;
      quantity: number;
      limitPrice: number | null;
      stopPrice: number | null;
      record: Uint8Array;
    }
  | { type: 'killSwitchTripped'; who: string; why: string }
  | { type: 'killSwitchReset'; who: string; why: string }
  | { type: 'modeChanged'; who: string; why: string; previousMode: EngineModeName; mode: EngineModeName }
  | { type: 'limitChanged'; who: string; why: string; limit: string; previousValue: number; value: number }
  /** An operator paused (paused true) or resumed a strategy: its instruments' targets may only reduce positions while paused. */
  | { type: 'strategyPaused'; who: string; why: string; strategy: string; instruments: number[]; paused: boolean }
  | {
      type: 'sessionStarted';
      sessionId: string;
      mode: EngineModeName;
      pipelineJson: string;
      recoveredFromInboundSeq: bigint;
      replayedRecords: bigint;
    }
  | {
      type: 'reconciliation';
      trigger: string;
      missedFills: number;
      resolvedOrders: number;
      rejectedOrders: number;
      resubmittedOrders: number;
      uncertainOrders: number;
      foreignOrders: number;
      positionMismatches: number;
      report: string;
    }
  | {
      /** A model monitor's alert (engine/models MonitorAlert), journaled as the I/O thread raised it. */
      type: 'modelAlert';
      kind: 'feature-drift' | 'quantile-calibration';
      instrument: string;
      /** '' for calibration alerts. */
      feature: string;
      value: number;
      threshold: number;
      /** Bar close of the observation that raised it. */
      atNs: bigint;
    }
  | {
      /**
       * Reconciliation (policy adopt) made a venue order we did not place engine order `orderId`;
       * a restarted session registers it with the adapter again (VenueAdapter.adopt) before reconciling.
       */
      type: 'orderAdopted';
      orderId: bigint;
      /** The venue's client order id of it (not one of ours). */
      clientOrderId: string;
      /** The venue's id of the order (what its records carry; the core's venueOrderId). */
      venueOrderId: bigint;
      instrument: number;
    };

export type JournalEntryType = JournalEntry['type'];

/** One decoded journal record. */
export interface JournalRecordView {
  sequence: bigint;
  timeNs: bigint;
  entry: JournalEntry;
}

/** The journal entry of a model monitor's alert (engine/models MonitorAlert has this shape). */
export function modelAlertEntry(alert: {
  readonly kind: 'feature-drift' | 'quantile-calibration';
  readonly instrument: string;
  readonly feature?: string;
  readonly value: number;
  readonly threshold: number;
  readonly atNs: bigint;
}): Extract<JournalEntry, { type: 'modelAlert' }> {
  return { type: 'modelAlert', kind: alert.kind, instrument: alert.instrument, feature: alert.feature ?? '', value: alert.value, threshold: alert.threshold, atNs: alert.atNs };
}
