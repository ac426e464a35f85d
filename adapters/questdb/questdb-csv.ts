// Decodes QuestDB `/exp` CSV bytes straight into 64-byte event records (pure, no I/O).
//
// The stream's queries select only numbers, in a fixed column order per layout, with the
// timestamps cast to LONG (µs), so a line is `n` unquoted numeric fields and no string is ever
// built on the common path:
//
//   trades:        price,size,side,trade_id,ts_us[,recv_us]
//   quotes:        bid,ask,bid_size,ask_size,ts_us[,recv_us]
//   bars:          open,high,low,close,volume,ts_us             (ts = bar open)
//
// /exp quirks handled: CRLF line endings, a quoted header line, empty fields for NULL (a NULL
// double becomes NaN, a NULL trade id 0), Java-style exponents (`1.0E-7`).
//
// Rows are held to the CSV reader's rules (checkValues: prices > 0, no NULL but a bar's volume, high >= low ...;
// bars one per open time): a bad row is a CsvRowValueError naming its time, column, value and rule.
//
// Numbers: a decimal with at most 15 significant digits and a power of ten within 1e±22 is
// converted exactly as m / 10^k or m * 10^k (both operands exact, one correctly rounded IEEE
// operation: Clinger's fast path); anything else goes through Number() on the field's text.
// Either way the double is the one the text names, so what the server printed round-trips.
//
// Timestamps: µs become ns by * 1000 (exact, in two 32-bit halves, no BigInt per row).
import { EventKind } from '../../engine/layout/event-record.js';
import { RECORD_BYTES, type MarketRecordKind } from '../../engine/replay/index.js';

export interface CsvLayout {
  readonly kind: MarketRecordKind;
  /** Trades and quotes: a 6th field (recv_ts, µs) is ts_local. */
  readonly recvTs: boolean;
  /** Bars: the interval in µs (ts_local = open + interval). */
  readonly intervalUs?: number;
}

/** The SELECT list for a layout, in the order the decoder reads. */
export function csvSelectList(layout: CsvLayout): string {
  const recv = layout.recvTs ? ', recv_ts::long recv_us' : '';
  switch (layout.kind) {
    case 'trades':
      return `price, size, side, trade_id, ts::long ts_us${recv}`;
    case 'quotes':
      return `bid, ask, bid_size, ask_size, ts::long ts_us${recv}`;
    case 'bars':
      return 'open, high, low, close, volume, ts::long ts_us';
  }
}

export const REPLAY_KIND_FLAGS: Readonly<Record<MarketRecordKind, number>> = {
  trades: EventKind.TRADE | EventKind.SOURCE_REPLAY | EventKind.DIRECTION_INBOUND,
  quotes: EventKind.QUOTE | EventKind.SOURCE_REPLAY | EventKind.DIRECTION_INBOUND,
  bars: EventKind.BAR | EventKind.SOURCE_REPLAY | EventKind.DIRECTION_INBOUND,
};

/** A line the decoder cannot read (names the row, the field and the text). */
export class CsvDecodeError extends Error {
  constructor(readonly row: number, readonly field: string, readonly value: string, readonly rule: string, message?: string) {
    super(message ?? `row ${row}: \`${field}\` ${rule}, was ${JSON.stringify(value)}`);
    this.name = 'CsvDecodeError';
  }
}

/**
 * A well-formed row whose values break a rule the CSV reader (adapters/files) holds a file's rows
 * to: it names the row's time (to find it in the table), the column, the value and the rule.
 */
export class CsvRowValueError extends CsvDecodeError {
  constructor(row: number, readonly tsUs: number, field: string, value: number, rule: string, detail: string) {
    super(row, field, String(value), rule, `the row at ts ${isoUs(tsUs)}: \`${field}\` ${detail}, was ${value} (rule ${rule})`);
    this.name = 'CsvRowValueError';
  }
}

/** µs since the epoch as ISO 8601 with 6 fraction digits (QuestDB's own rendering). */
export function isoUs(us: number): string {
  const ms = Math.floor(us / 1000);
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, (_m, frac: string) => `.${frac}${String(us - ms * 1000).padStart(3, '0')}Z`);
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const TWO32 = 4294967296;
const latin1 = new TextDecoder('latin1');

function text(buf: Uint8Array, start: number, end: number): string {
  return latin1.decode(buf.subarray(start, end));
}

/** Where the last scanDecimal / scanInteger stopped: the field's end (a comma or the line end). */
let scanEnd = 0;

/** The double a decimal field names (empty: NaN); undefined when the text is not a number. */
export function parseDecimal(buf: Uint8Array, start: number, end: number): number | undefined {
  const value = scanDecimal(buf, start, end);
  return scanEnd === end ? value : undefined;
}

/**
 * Reads the decimal field that starts at `start` and ends at the next comma or at `end`
 * (sets scanEnd there). Undefined when the field is not a number.
 */
function scanDecimal(buf: Uint8Array, start: number, end: number): number | undefined {
  let i = start;
  let negative = false;
  if (i < end && buf[i] === 45) {
    negative = true;
    i++;
  }
  let m = 0;
  let significant = 0;
  let fraction = 0;
  let dot = false;
  let digits = 0;
  for (; i < end; i++) {
    const c = buf[i];
    if (c >= 48 && c <= 57) {
      digits++;
      if (m !== 0 || c !== 48) significant++;
      m = m * 10 + (c - 48);
      if (dot) fraction++;
    } else if (c === 46 && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  let exponent = 0;
  if (i < end && buf[i] !== 44) {
    const c = buf[i];
    if (digits === 0 || (c !== 69 && c !== 101)) return slowField(buf, start, end);
    i++;
    let expNegative = false;
    if (buf[i] === 45) {
      expNegative = true;
      i++;
    } else if (buf[i] === 43) i++;
    let expDigits = 0;
    for (; i < end; i++) {
      const d = buf[i];
      if (d < 48 || d > 57) break;
      exponent = exponent * 10 + (d - 48);
      expDigits++;
    }
    if (expDigits === 0 || expDigits > 4 || (i < end && buf[i] !== 44)) return slowField(buf, start, end);
    if (expNegative) exponent = -exponent;
  }
  scanEnd = i;
  if (digits === 0) return i === start ? NaN : slowField(buf, start, end);
  const power = exponent - fraction;
  if (significant > 15 || power < -22 || power > 22) return slowDecimal(buf, start, i);
  const value = power < 0 ? m / POW10[-power] : m * POW10[power];
  return negative ? -value : value;
}

/** A field that is not a plain decimal: find its end, then let Number() judge the text. */
function slowField(buf: Uint8Array, start: number, end: number): number | undefined {
  let i = start;
  while (i < end && buf[i] !== 44) i++;
  scanEnd = i;
  return slowDecimal(buf, start, i);
}

function slowDecimal(buf: Uint8Array, start: number, end: number): number | undefined {
  const s = text(buf, start, end);
  if (s === 'NaN' || s === 'null') return NaN;
  if (s === 'Infinity') return Infinity;
  if (s === '-Infinity') return -Infinity;
  const value = Number(s);
  return Number.isNaN(value) || !/^-?[0-9.]/.test(s) ? undefined : value;
}

/**
 * Decodes CSV lines into event records in one reusable block buffer. `decode` consumes whole
 * lines until the block is full or the bytes run out and says where it stopped; the caller
 * hands the unconsumed tail back with the next chunk.
 */
export class CsvRecordDecoder {
  /** The block buffer: blockRecords * 64 bytes; the first `count` records are valid. */
  readonly bytes: Uint8Array;
  /** Records in the current block. */
  count = 0;
  /** Rows decoded so far (all blocks). */
  rows = 0;
  private readonly u32: Uint32Array;
  private readonly f64: Float64Array;
  private readonly fields: number;
  private readonly names: readonly string[];
  private readonly kindFlags: number;
  private readonly intervalUs: number;
  private headerSeen = false;
  private lastLocalUs = -1;
  /** Per-line scratch: the fields' values. */
  private readonly values: Float64Array;
  /** Index of the ts_us field. */
  private readonly firstTimeField: number;
  /** A trade id that did not fit a double exactly (set by scanLong for the current line). */
  private longBits: bigint | undefined;

  constructor(private readonly layout: CsvLayout, private readonly instrument: number, readonly blockRecords: number) {
    const buffer = new ArrayBuffer(blockRecords * RECORD_BYTES);
    this.bytes = new Uint8Array(buffer);
    this.u32 = new Uint32Array(buffer);
    this.f64 = new Float64Array(buffer);
    this.names = csvSelectList(layout).split(', ').map((c) => c.split(' ').pop()!);
    this.fields = this.names.length;
    this.kindFlags = REPLAY_KIND_FLAGS[layout.kind];
    this.intervalUs = layout.intervalUs ?? 0;
    this.values = new Float64Array(this.fields);
    this.firstTimeField = layout.kind === 'bars' ? 5 : 4;
    if (layout.kind === 'bars' && !(this.intervalUs > 0)) throw new Error('CsvRecordDecoder: bars need intervalUs > 0');
  }

  get full(): boolean {
    return this.count === this.blockRecords;
  }

  /** Starts a new block (the previous block's bytes are overwritten from here on). */
  nextBlock(): void {
    this.count = 0;
  }

  /** Decodes whole lines of buf[pos..) into the block; returns the offset of the first unconsumed byte. */
  decode(buf: Uint8Array, pos: number): number {
    const cap = this.blockRecords;
    while (this.count < cap) {
      const nl = buf.indexOf(10, pos);
      if (nl < 0) break;
      const lineEnd = nl > pos && buf[nl - 1] === 13 ? nl - 1 : nl;
      if (!this.headerSeen) this.readHeader(buf, pos, lineEnd);
      else if (lineEnd > pos) this.decodeLine(buf, pos, lineEnd);
      pos = nl + 1;
    }
    return pos;
  }

  /** Checks the export ended on a line boundary (the tail left over must be empty). */
  finish(tail: number): void {
    if (tail > 0) throw new CsvDecodeError(this.rows + 1, 'line', `${tail} bytes`, 'must end with a line break (the export was cut short)');
    if (!this.headerSeen) throw new CsvDecodeError(0, 'header', '', 'must be present (the export was empty)');
  }

  private readHeader(buf: Uint8Array, start: number, end: number): void {
    const header = text(buf, start, end).replace(/"/g, '').split(',');
    const expected = this.names;
    if (header.length !== expected.length || header.some((h, i) => h !== expected[i])) {
      throw new CsvDecodeError(0, 'header', header.join(','), `must be ${expected.join(',')}`);
    }
    this.headerSeen = true;
  }

  private decodeLine(buf: Uint8Array, start: number, end: number): void {
    const kind = this.layout.kind;
    const values = this.values;
    const n = this.fields;
    // One pass: each field is read where it starts and must end at a comma (the last at the line end).
    let p = start;
    for (let f = 0; f < n; f++) {
      if (f === 3 && kind === 'trades') {
        values[f] = this.scanLong(buf, p, end);
      } else if (f >= this.firstTimeField) {
        values[f] = this.scanTime(buf, p, end, f);
      } else {
        const v = scanDecimal(buf, p, end);
        if (v === undefined) throw new CsvDecodeError(this.rows + 1, this.names[f], text(buf, p, scanEnd), 'must be a number');
        values[f] = v;
      }
      const last = f === n - 1;
      if (last ? scanEnd !== end : scanEnd >= end) throw new CsvDecodeError(this.rows + 1, 'columns', text(buf, start, end), `must be ${n} comma-separated fields`);
      p = scanEnd + 1;
    }

    const r = this.count;
    const u = r * 16;
    const d = r * 8;
    const u32 = this.u32;
    const f64 = this.f64;
    const exchangeUs = values[this.firstTimeField];
    let localUs = exchangeUs;
    if (kind === 'bars') localUs = exchangeUs + this.intervalUs;
    else if (this.layout.recvTs) localUs = values[5];
    if (localUs < this.lastLocalUs) throw new CsvDecodeError(this.rows + 1, this.layout.recvTs ? 'recv_us' : 'ts_us', String(localUs), `must not go back in time (previous ${this.lastLocalUs})`);
    if (kind === 'bars' && localUs === this.lastLocalUs) throw new CsvRowValueError(this.rows + 1, exchangeUs, 'ts', exchangeUs, 'time-duplicate', 'must differ from the previous bar\'s (one bar per open time)');
    this.checkValues(exchangeUs);
    this.lastLocalUs = localUs;

    u32[u] = this.kindFlags;
    u32[u + 1] = this.instrument;
    writeUsAsNs(u32, u + 2, exchangeUs);
    writeUsAsNs(u32, u + 4, localUs);
    if (kind === 'trades') {
      // price, size, side, trade_id
      f64[d + 3] = values[0];
      f64[d + 4] = values[1];
      f64[d + 5] = values[2];
      f64[d + 6] = 0;
      if (this.longBits !== undefined) {
        u32[u + 14] = Number(this.longBits & 0xffff_ffffn);
        u32[u + 15] = Number(this.longBits >> 32n);
        this.longBits = undefined;
      } else {
        const id = values[3];
        const hi = Math.floor(id / TWO32);
        u32[u + 14] = id - hi * TWO32;
        u32[u + 15] = hi;
      }
    } else if (kind === 'quotes') {
      // bid, ask, bid_size, ask_size: price = mid, size = bid size, a = bid, b = ask, id = bits(ask size)
      f64[d + 3] = (values[0] + values[1]) / 2;
      f64[d + 4] = values[2];
      f64[d + 5] = values[0];
      f64[d + 6] = values[1];
      f64[d + 7] = values[3];
    } else {
      // open, high, low, close, volume: price = close, size = volume, a = high, b = low, id = bits(open)
      f64[d + 3] = values[3];
      f64[d + 4] = values[4];
      f64[d + 5] = values[1];
      f64[d + 6] = values[2];
      f64[d + 7] = values[0];
    }
    this.count = r + 1;
    this.rows++;
  }

  /**
   * The rules the CSV reader holds a row to (adapters/files: trade-stream.ts, quote-stream.ts,
   * bar-row-checks.ts), so a table and a file of the same rows play alike or are refused alike.
   * A NULL double is NaN here. A quote side at 0 is kept, as in one-sided quote files (no price on
   * that side yet: a live IB quote before its first price of that side is recorded so).
   */
  private checkValues(tsUs: number): void {
    const v = this.values;
    const names = this.names;
    const bad = (f: number, rule: string, detail: string): never => {
      throw new CsvRowValueError(this.rows + 1, tsUs, names[f], v[f], rule, detail);
    };
    const number = (f: number): void => {
      if (v[f] !== v[f]) bad(f, 'nan', 'must be a number, not NULL');
    };
    switch (this.layout.kind) {
      case 'trades':
        number(0);
        if (!(v[0] > 0)) bad(0, 'price-positive', 'must be > 0');
        number(1);
        if (v[1] < 0) bad(1, 'size-non-negative', 'must be >= 0');
        if (v[1] === 0) bad(1, 'size-positive', 'must be > 0 (nothing traded, yet a built bar would take its price as its high, low or close)');
        number(2);
        if (v[2] !== 1 && v[2] !== -1 && v[2] !== 0) bad(2, 'side-invalid', 'must be 1 (buyer), -1 (seller) or 0 (unknown)');
        return;
      case 'quotes':
        for (let f = 0; f < 4; f++) {
          number(f);
          if (v[f] < 0) bad(f, f < 2 ? 'price-non-negative' : 'size-non-negative', 'must be >= 0');
        }
        if (v[0] > 0 && v[1] > 0 && v[0] > v[1]) bad(0, 'crossed', `must be <= \`${names[1]}\` ${v[1]} (a crossed quote)`);
        return;
      case 'bars':
        for (let f = 0; f < 4; f++) {
          number(f);
          if (!(v[f] > 0)) bad(f, 'price-positive', 'must be > 0');
        }
        // A NULL volume is unknown (NaN), as a bar file without a volume column reads, and as a
        // recorded IB bar that reported none (-1) is stored: the venue does not cap fills on it.
        if (v[4] < 0) bad(4, 'volume-non-negative', 'must be >= 0 or NULL (unknown)');
        if (v[1] < v[2]) bad(1, 'high-below-low', `must be >= \`low\` ${v[2]}`);
        if (v[1] < v[0] || v[1] < v[3]) bad(1, 'high-below-open-close', `must be >= \`open\` ${v[0]} and \`close\` ${v[3]}`);
        if (v[2] > v[0] || v[2] > v[3]) bad(2, 'low-above-open-close', `must be <= \`open\` ${v[0]} and \`close\` ${v[3]}`);
    }
  }

  /** A non-negative integer < 2^53 (a time in µs); sets scanEnd. */
  private scanTime(buf: Uint8Array, start: number, end: number, field: number): number {
    let m = 0;
    let i = start;
    for (; i < end; i++) {
      const c = buf[i] - 48;
      if (c < 0 || c > 9) break;
      m = m * 10 + c;
    }
    scanEnd = i;
    if (i === start || (i < end && buf[i] !== 44)) {
      const field_ = text(buf, start, slowEnd(buf, start, end));
      throw new CsvDecodeError(this.rows + 1, this.names[field], field_, field_ === '' ? 'must not be NULL' : 'must be a time at or after 1970-01-01 (µs since the epoch)');
    }
    if (m > Number.MAX_SAFE_INTEGER) throw new CsvDecodeError(this.rows + 1, this.names[field], text(buf, start, i), 'must be below 2^53 µs');
    return m;
  }

  /** A LONG (NULL: 0): the value when below 2^53, else sets longBits (u64 two's complement); sets scanEnd. */
  private scanLong(buf: Uint8Array, start: number, end: number): number {
    let m = 0;
    let i = start;
    for (; i < end; i++) {
      const c = buf[i] - 48;
      if (c < 0 || c > 9) break;
      m = m * 10 + c;
    }
    if ((i === end || buf[i] === 44) && i - start <= 15) {
      scanEnd = i;
      return m;
    }
    i = slowEnd(buf, start, end);
    scanEnd = i;
    const s = text(buf, start, i);
    if (!/^-?\d{1,19}$/.test(s)) throw new CsvDecodeError(this.rows + 1, this.names[3], s, 'must be an integer');
    this.longBits = BigInt.asUintN(64, BigInt(s));
    return 0;
  }
}

function slowEnd(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end && buf[i] !== 44) i++;
  return i;
}


/** Writes µs (an integer < 2^53) as ns = µs * 1000 into two u32 halves (lo, hi). */
export function writeUsAsNs(u32: Uint32Array, at: number, us: number): void {
  const hi = Math.floor(us / TWO32);
  const lo = us - hi * TWO32;
  const loNs = lo * 1000; // < 2^42: exact
  const carry = Math.floor(loNs / TWO32);
  u32[at] = loNs - carry * TWO32;
  u32[at + 1] = hi * 1000 + carry;
}
