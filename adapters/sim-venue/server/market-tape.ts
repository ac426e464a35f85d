// The server's market: bars of one CSV file per instrument (ids 0..n-1 in file order), merged
// into one stream numbered 1, 2, 3 ... by bar close time, ties by instrument id, the order
// the engine's replay tape uses (engine/replay/bar-replay-tape.ts): a bar is known only when
// it closes, at open time + the file's bar interval (its smallest gap between bars). Also the
// tape's fingerprint, so a restarted server can tell that its state belongs to this tape.
import { createHash } from 'node:crypto';
import { basename, extname } from 'node:path';
import { loadBarsCsv, type BarSeries } from '../../files/index.js';
import { encodeMarketRecord, writeVenueRecord, type VenueBar } from '../../../engine/venue/index.js';
import { RECORD_BYTES } from '../common/index.js';

export interface MarketTape {
  /** Instrument id i trades the bars of file i. */
  readonly instrumentNames: readonly string[];
  /** Market record seq k is bars[k - 1]. */
  readonly bars: readonly VenueBar[];
  /** sha256 of the instrument names and every bar record, hex. */
  readonly fingerprint: string;
}

/** Smallest positive gap between consecutive bars (0 for a single bar). */
function barIntervalNs(series: BarSeries): bigint {
  let smallest = 0n;
  for (let i = 1; i < series.length; i++) {
    const gap = series.timeNs[i] - series.timeNs[i - 1];
    if (gap > 0n && (smallest === 0n || gap < smallest)) smallest = gap;
  }
  return smallest;
}

/** The first upper-case symbol of each file name (binance_spot_BTCUSDT_1h_... -> BTCUSDT), else its base name. */
export function defaultInstrumentNames(files: readonly string[]): string[] {
  return files.map((file) => {
    const base = basename(file, extname(file));
    return /(?:^|[_\-.])([A-Z][A-Z0-9]{2,})(?=$|[_\-.])/.exec(base)?.[1] ?? base;
  });
}

/** Merges the series into bars ordered by close time, ties by instrument id. */
export function mergeBars(series: readonly BarSeries[]): VenueBar[] {
  const intervals = series.map(barIntervalNs);
  const next = new Array<number>(series.length).fill(0);
  const total = series.reduce((sum, s) => sum + s.length, 0);
  const bars: VenueBar[] = [];
  for (let row = 0; row < total; row++) {
    let pick = -1;
    let pickClose = 0n;
    for (let s = 0; s < series.length; s++) {
      const i = next[s];
      if (i >= series[s].length) continue;
      const close = series[s].timeNs[i] + intervals[s];
      if (pick === -1 || close < pickClose) {
        pick = s;
        pickClose = close;
      }
    }
    const from = series[pick];
    const i = next[pick]++;
    bars.push({
      type: 'bar', instrument: pick, openNs: from.timeNs[i], closeNs: pickClose,
      open: from.open[i], high: from.high[i], low: from.low[i], close: from.close[i], volume: from.volume[i],
    });
  }
  return bars;
}

export function tapeFingerprint(instrumentNames: readonly string[], bars: readonly VenueBar[]): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(instrumentNames));
  const bytes = new Uint8Array(RECORD_BYTES);
  const view = new DataView(bytes.buffer);
  for (const bar of bars) {
    writeVenueRecord(view, 0, encodeMarketRecord(bar));
    hash.update(bytes);
  }
  return hash.digest('hex');
}

/** Loads `files` (one instrument each) into the merged tape. */
export async function loadMarketTape(files: readonly string[], names: readonly string[] = defaultInstrumentNames(files)): Promise<MarketTape> {
  if (files.length === 0) throw new RangeError('`bars` must name at least one CSV file, was empty');
  if (names.length !== files.length) throw new RangeError(`\`instrumentNames\` must name every bar file: ${files.length} files, ${names.length} names`);
  const series: BarSeries[] = [];
  for (const file of files) series.push((await loadBarsCsv(file)).series);
  const bars = mergeBars(series);
  return { instrumentNames: [...names], bars, fingerprint: tapeFingerprint(names, bars) };
}
