// The contract between market-data sources (CSV files, the LMDB store, QuestDB) and the
// backtest driver: a source streams its rows as ready-made 64-byte event records, in blocks,
// in time order, in constant memory. The driver merges several streams by arrival time and
// copies the blocks into the inbound ring as they are (no per-field rewrite).
//
// A block is `count` records back to back (count * 64 bytes), laid out as the event record
// (schemas/event-record.json):
//
//   0      4      8              16             24             32             40             48             56            64
//   | kind | inst | ts_exchange  | ts_local     | price (f64)  | size (f64)   | a (f64)      | b (f64)      | id (u64)    |
//
//   BAR:   kind BAR|SOURCE_REPLAY|DIRECTION_INBOUND; ts_exchange = bar open, ts_local = bar close
//          (when the bar became known); price = close, size = volume, a = high, b = low,
//          id = bits of the open (f64)
//   TRADE: kind TRADE|SOURCE_REPLAY|DIRECTION_INBOUND; ts_exchange = trade time, ts_local = when
//          it was known (the trade time unless the file has a receive time and the source was
//          told to use it); price, size, a = aggressor side (+1 buyer, -1 seller, 0 unknown),
//          id = trade id (0: none)
//   QUOTE: kind QUOTE|SOURCE_REPLAY|DIRECTION_INBOUND; ts_exchange / ts_local as for TRADE;
//          price = mid, size = bid size, a = bid, b = ask, id = bits of the ask size (f64)
//
// Arrival order is ts_local: every stream yields records with non-decreasing ts_local, and
// the driver's merge orders streams by ts_local, ties by stream index, so a run is
// deterministic. A block's bytes may be reused by the source once the next block is asked
// for: the consumer copies what it keeps.

/** What a stream carries: bars, trade prints or L1 quotes. */
export type MarketRecordKind = 'bars' | 'trades' | 'quotes';

export interface RecordBlock {
  /** Records in the block. */
  readonly count: number;
  /** count * 64 bytes of event records (may be a view into a larger, reused buffer). */
  readonly bytes: Uint8Array;
}

/** One instrument of one kind from one source (a file, a store series, a QuestDB query). */
export interface MarketStream {
  /** Where it comes from, for messages: a file path, `store:DIR/SYMBOL/kind`, a questdb:// URL. */
  readonly label: string;
  /** The instrument's symbol (`BTCUSDT`, `IBM`): the driver maps it to an instrument id. */
  readonly symbol: string;
  readonly kind: MarketRecordKind;
  /** Bars: the bar interval in ns (the timeframe). Undefined for ticks. */
  readonly barIntervalNs?: bigint;
  /** Rows the source expects to yield when known up front (for a progress bar), else undefined. */
  readonly expectedRows?: number;
  /**
   * The records, in blocks, in non-decreasing ts_local, with `instrument` written into each
   * record. Bad rows are handled by the source's policy (reject: throw naming the file, line,
   * field, value and rule; skip: count them in `issues`).
   */
  blocks(instrument: number): AsyncIterable<RecordBlock>;
  /** What the source found so far: skipped bad rows, duplicates and gaps, by rule (for the summary). */
  issues(): readonly StreamIssue[];
}

export interface StreamIssue {
  /** The rule, e.g. `duplicate trade id`, `time went backwards`, `gap > 60 s`. */
  readonly rule: string;
  /** How many rows it concerned. */
  readonly count: number;
  /** What was done: `skipped`, `kept`, `reported`. */
  readonly action: string;
  /** Up to a few examples: `file:line value`. */
  readonly examples: readonly string[];
}

/** Bytes per event record in a block. */
export const RECORD_BYTES = 64;
