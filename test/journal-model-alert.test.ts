// The ModelAlert journal record (schemas/journal.fbs; engine/journal modelAlertEntry): a model
// monitor's alert, as engine/models raises it, goes through the LMDB journal and reads back equal;
// a bad kind or an empty instrument is refused naming the field, the value and the rule.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Journal, decodeJournalRecord, encodeJournalRecord, modelAlertEntry, type JournalEntry } from '../engine/journal/index.js';
import { FeatureDriftMonitor, type MonitorAlert } from '../engine/models/index.js';

const dir = mkdtempSync(join(tmpdir(), 'qf-journal-model-alert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ModelAlert journal record', () => {
  it('journals a drift alert raised by FeatureDriftMonitor and a calibration alert, and reads them back', () => {
    const edges = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    const monitor = new FeatureDriftMonitor({
      instrument: 'BTCUSDT', features: ['rsi:14'], bins: { 'rsi:14': { edges, fractions: Array(10).fill(0.1) } }, window: 20, minCount: 10,
    });
    const raised: MonitorAlert[] = [];
    for (let i = 0; i < 20; i++) raised.push(...monitor.observe([100], BigInt(i) * 3_600_000_000_000n));
    expect(raised, 'every value in the top bin drifts').toHaveLength(1);
    const calibration: MonitorAlert = { kind: 'quantile-calibration', instrument: 'BTCUSDT', value: 0.52, threshold: 0.15, atNs: 1_755_259_200_000_000_000n };
    const journal = Journal.open(join(dir, 'journal'));
    try {
      const entries = [...raised, calibration].map(modelAlertEntry);
      for (const entry of entries) journal.append(entry, entry.atNs);
      journal.commit();
      const read = [...journal.read()];
      expect(read.map((r) => r.entry)).toStrictEqual(entries);
      expect(read[0].entry).toStrictEqual({ type: 'modelAlert', kind: 'feature-drift', instrument: 'BTCUSDT', feature: 'rsi:14', value: raised[0].value, threshold: 0.25, atNs: raised[0].atNs });
      expect(read[1].entry).toMatchObject({ kind: 'quantile-calibration', feature: '', value: 0.52 });
      expect(read.map((r) => r.timeNs)).toStrictEqual([raised[0].atNs, calibration.atNs]);
    } finally {
      journal.close();
    }
  });

  it('refuses a bad kind or an empty instrument, naming the field', () => {
    const bad = { type: 'modelAlert', kind: 'drift', instrument: 'BTCUSDT', feature: '', value: 1, threshold: 0.25, atNs: 0n } as unknown as JournalEntry;
    expect(() => encodeJournalRecord(1n, 0n, bad)).toThrow(/`modelAlert.kind` must be feature-drift or quantile-calibration, was "drift"/);
    const empty = { ...modelAlertEntry({ kind: 'feature-drift', instrument: 'x', value: 1, threshold: 0.25, atNs: 0n }), instrument: '' };
    expect(() => encodeJournalRecord(1n, 0n, empty)).toThrow(/`modelAlert.instrument` must be a non-empty string, was ""/);
    const ok = modelAlertEntry({ kind: 'feature-drift', instrument: 'ETHUSDT', feature: 'roc:6', value: 0.4, threshold: 0.25, atNs: 7n });
    expect(decodeJournalRecord(encodeJournalRecord(9n, 7n, ok))).toStrictEqual({ sequence: 9n, timeNs: 7n, entry: ok });
  });
});
