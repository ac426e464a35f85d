// Property: any valid bar series, written as CSV in any accepted dialect (time format, line ends,
// BOM, quoting, header case, extra column), loads back exactly (bit-equal prices, exact ns).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBarsCsv } from '../adapters/files/index.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'qf-roundtrip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type TimeFormat = 'iso-z' | 'iso-offset' | 'epoch-s' | 'epoch-ms' | 'epoch-us' | 'epoch-ns';

interface Bar {
  readonly timeNs: bigint;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

const MIN_NS = 100_000_000_000_000_000n; // 1973-03-03: ns epochs need 18 digits
const MAX_NS = 9_200_000_000_000_000_000n; // below the int64 limit (2262-04-11)

/** Writes ns as an ISO time at `offsetMinutes` east of UTC, with 9 fraction digits (the test's own formatter). */
function isoAt(ns: bigint, offsetMinutes: number, separator: string): string {
  const wall = ns + BigInt(offsetMinutes) * 60_000_000_000n;
  const base = new Date(Number(wall / 1_000_000n)).toISOString().slice(0, 23).replace('T', separator);
  const subMs = (wall % 1_000_000n).toString().padStart(6, '0');
  if (offsetMinutes === 0 && separator === 'T') return `${base}${subMs}Z`;
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${base}${subMs}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function epoch(ns: bigint, nsPerUnit: bigint, fractionDigits: number): string {
  const whole = (ns / nsPerUnit).toString();
  return fractionDigits === 0 ? whole : `${whole}.${(ns % nsPerUnit).toString().padStart(fractionDigits, '0')}`;
}

function formatTime(ns: bigint, format: TimeFormat, offsetMinutes: number): string {
  switch (format) {
    case 'iso-z': return isoAt(ns, 0, 'T');
    case 'iso-offset': return isoAt(ns, offsetMinutes, ' ');
    case 'epoch-s': return epoch(ns, 1_000_000_000n, 9);
    case 'epoch-ms': return epoch(ns, 1_000_000n, 6);
    case 'epoch-us': return epoch(ns, 1_000n, 3);
    case 'epoch-ns': return epoch(ns, 1n, 0);
  }
}

const positive = fc.double({ min: 1e-8, max: 1e9, noNaN: true, noDefaultInfinity: true });

const barsArbitrary = fc
  .tuple(
    fc.bigInt({ min: MIN_NS, max: MIN_NS * 16n }),
    fc.array(
      fc.record({
        stepNs: fc.bigInt({ min: 1n, max: 10n ** 15n }),
        prices: fc.tuple(positive, positive, positive, positive),
        volume: fc.double({ min: 0, max: 1e12, noNaN: true, noDefaultInfinity: true }),
      }),
      { minLength: 1, maxLength: 60 },
    ),
  )
  .map(([start, rows]) => {
    let t = start;
    return rows.map(({ stepNs, prices, volume }): Bar => {
      t += stepNs;
      const sorted = [...prices].sort((a, b) => a - b);
      return { timeNs: t, low: sorted[0]!, open: sorted[1]!, close: sorted[2]!, high: sorted[3]!, volume: volume === 0 ? 0 : volume };
    });
  })
  .filter((bars) => bars[bars.length - 1]!.timeNs < MAX_NS);

const dialectArbitrary = fc.record({
  timeFormat: fc.constantFrom<TimeFormat>('iso-z', 'iso-offset', 'epoch-s', 'epoch-ms', 'epoch-us', 'epoch-ns'),
  offsetMinutes: fc.integer({ min: -12 * 4, max: 14 * 4 }).map((q) => q * 15),
  timeHeader: fc.constantFrom('timestamp', 'Time', 'TS', 'open_time', 'Date', 'DATETIME'),
  upperCaseValues: fc.boolean(),
  lineEnd: fc.constantFrom('\n', '\r\n'),
  bom: fc.boolean(),
  quoteAll: fc.boolean(),
  extraColumn: fc.option(fc.string({ maxLength: 12 }).filter((s) => !/[\r\n]/.test(s)), { nil: undefined }),
  finalNewline: fc.boolean(),
});

let fileCounter = 0;

describe('CSV round trip', () => {
  it('loads back exactly the bars it was given, in every accepted dialect', async () => {
    await fc.assert(
      fc.asyncProperty(barsArbitrary, dialectArbitrary, async (bars, d) => {
        const quote = (s: string): string => (d.quoteAll || /[",]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
        const names = ['open', 'high', 'low', 'close', 'volume'].map((n) => (d.upperCaseValues ? n.toUpperCase() : n));
        const header = [d.timeHeader, ...names, ...(d.extraColumn === undefined ? [] : ['note'])].map(quote).join(',');
        const lines = bars.map((b) =>
          [formatTime(b.timeNs, d.timeFormat, d.offsetMinutes), b.open, b.high, b.low, b.close, b.volume, ...(d.extraColumn === undefined ? [] : [d.extraColumn])]
            .map((v) => quote(String(v)))
            .join(','),
        );
        const text = (d.bom ? '\ufeff' : '') + [header, ...lines].join(d.lineEnd) + (d.finalNewline ? d.lineEnd : '');
        const file = path.join(dir, `bars-${fileCounter++}.csv`);
        writeFileSync(file, text);
        const { series, report } = await loadBarsCsv(file);
        expect(report.rowsKept).toBe(bars.length);
        expect(Array.from(series.timeNs), `times written as ${d.timeFormat}`).toEqual(bars.map((b) => b.timeNs));
        expect(Array.from(series.open)).toEqual(bars.map((b) => b.open));
        expect(Array.from(series.high)).toEqual(bars.map((b) => b.high));
        expect(Array.from(series.low)).toEqual(bars.map((b) => b.low));
        expect(Array.from(series.close)).toEqual(bars.map((b) => b.close));
        expect(Array.from(series.volume)).toEqual(bars.map((b) => b.volume));
      }),
      { numRuns: 150 },
    );
  });
});
