// The venue instruments a journal's sessions trade, kept beside the journal from its first
// session on (`instruments.json` in the journal directory):
//
//   [{ "instrument": 0, "symbol": "BTC/USDT", "channel": "bars", "timeframe": "1m" }, ...]
//
// A restart trades the pipeline its journal started with: its strategies, indicator state and
// positions are per instrument id. The adapter and the feed take the id -> symbol mapping from the
// configuration, so a changed `live.instruments` list (a symbol added in front, two swapped)
// would trade one symbol's strategy on another's market. A start compares the configuration's
// list with the recorded one and refuses any difference; a journal from before the list was
// recorded gets it recorded at this start. A journal made since lists are kept (`listKept`: the
// CLI writes the list before a journal's first session) whose list is missing lost it (deleted,
// a backup or copy without it): that start is refused, since recording the configuration's list
// would let any list pass.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface JournalInstrument {
  readonly instrument: number;
  readonly symbol: string;
  readonly channel: string;
  readonly timeframe: string;
}

export const JOURNAL_INSTRUMENTS_FILE = 'instruments.json';

export class JournalInstrumentsError extends Error {
  override readonly name = 'JournalInstrumentsError';
}

/** `0=BTC/USDT bars 1m, 1=ETH/USDT trades`: how the start line and the refusals name a session's instruments. */
export function describeInstruments(list: readonly JournalInstrument[]): string {
  return list.map((i) => `${i.instrument}=${i.symbol} ${i.channel}${i.channel === 'bars' ? ` ${i.timeframe}` : ''}`).join(', ');
}

function same(a: readonly JournalInstrument[], b: readonly JournalInstrument[]): boolean {
  return a.length === b.length && a.every((x, i) => x.instrument === b[i].instrument && x.symbol === b[i].symbol && x.channel === b[i].channel && (x.channel !== 'bars' || x.timeframe === b[i].timeframe));
}

function readRecorded(file: string): JournalInstrument[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new JournalInstrumentsError(`${file}: not the journal's instrument list (${(error as Error).message}); restore it from a backup, or give this session a new journal`);
  }
  const ok = Array.isArray(parsed) && parsed.every((i) => i !== null && typeof i === 'object' && Number.isInteger((i as JournalInstrument).instrument)
    && typeof (i as JournalInstrument).symbol === 'string' && typeof (i as JournalInstrument).channel === 'string' && typeof (i as JournalInstrument).timeframe === 'string');
  if (!ok) throw new JournalInstrumentsError(`${file}: must be a list of { instrument, symbol, channel, timeframe }; restore it from a backup, or give this session a new journal`);
  return parsed as JournalInstrument[];
}

/**
 * Checks `current` (the configuration's instruments) against the list recorded for the journal in
 * `dir` once a session started on it (`started`: its pipeline, strategies per instrument id, is
 * journaled), or records it: a journal no session started on yet (a start refused before its
 * session may be retried with another list), or one from before lists were recorded. Returns
 * whether it was recorded now; throws JournalInstrumentsError on any difference.
 */
export function checkJournalInstruments(dir: string, current: readonly JournalInstrument[], started: boolean, options: { listKept?: boolean } = {}): { recorded: boolean } {
  const file = path.join(dir, JOURNAL_INSTRUMENTS_FILE);
  const list = current.map(({ instrument, symbol, channel, timeframe }) => ({ instrument, symbol, channel, timeframe }));
  if (started && options.listKept && !existsSync(file)) {
    throw new JournalInstrumentsError(
      `journal ${dir} has sessions but its instrument list ${file} is missing: a journal's strategies, positions and orders belong to the instrument ids of its first session, and without the list live.instruments (${describeInstruments(list)}) cannot be checked against them; `
      + 'restore instruments.json from a backup of the journal directory (its first session\'s list: [{ "instrument": 0, "symbol": ..., "channel": ..., "timeframe": ... }]), or give this session a new journal (--journal DIR)',
    );
  }
  if (started && existsSync(file)) {
    const recorded = readRecorded(file);
    if (!same(recorded, list)) {
      throw new JournalInstrumentsError(
        `live.instruments is ${describeInstruments(list)}, but journal ${dir} trades ${describeInstruments(recorded)}: a journal's strategies, positions and orders belong to its instrument ids, so the list must stay as its first session had it; restore it, or give the new list a new journal (--journal DIR)`,
      );
    }
    return { recorded: false };
  }
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(list, null, 2)}\n`);
  renameSync(temporary, file);
  return { recorded: true };
}
