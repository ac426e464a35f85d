// The server's market: bars of one CSV file per instrument (ids 0..n-1 in file order), merged
// into one stream numbered 1, 2, 3 ... by bar close time, ties by instrument id, the engine's
// replay tape (engine/replay): a bar is known only when
// it closes, at open time + the file's bar interval (its smallest gap between bars). Also the
// tape's fingerprint, so a restarted server can tell that its state belongs to this tape.
import { createHash } from 'node:crypto';
import { loadBarsCsv, type BarSeries } from '../../files/index.js';
import { encodeMarketRecord, writeVenueRecord, type VenueBar } from '../../../engine/venue/index.js';
import { RECORD_BYTES } from '../common/index.js';
import { buildBarReplayTape, instrumentNames } from '../../../engine/replay/index.js';

export interface MarketTape {
  /** Instrument id i trades the bars of file i. */
  readonly instrumentNames: readonly string[];
  /** Market record seq k is bars[k - 1]. */
  readonly bars: readonly VenueBar[];
  /** sha256 of the instrument names and every bar record, hex. */
  readonly fingerprint: string;
}

/** The short instrument names the engine's replay gives the same files (binance_spot_BTCUSDT_1h_... -> BTCUSDT). */
export function defaultInstrumentNames(files: readonly string[]): string[] {
  return instrumentNames(files);
}

/** Merges the series into bars ordered by close time, ties by instrument id: the engine's replay tape, as venue bars. */
export function mergeBars(series: readonly BarSeries[]): VenueBar[] {
  const tape = buildBarReplayTape(series, series.map((_, i) => String(i)));
  const bars: VenueBar[] = [];
  for (let row = 0; row < tape.length; row++) {
    bars.push({
      type: 'bar', instrument: tape.instrument[row], openNs: tape.tsExchange[row], closeNs: tape.tsLocal[row],
      open: tape.open[row], high: tape.high[row], low: tape.low[row], close: tape.close[row], volume: tape.volume[row],
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
