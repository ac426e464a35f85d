// The cells of one CSV line as byte windows, and parsers that read them without making a
// string: decimals, epoch and ISO times, sides and ids. Anything off the fast paths (quoted
// fields, exponents, 16+ significant digits, unusual time shapes) goes through the string
// parsers the bar loader uses (split-csv-line.ts, time-column.ts), so both read a cell alike.
//
// Fast decimal path: [+-]digits[.digits], at most 15 significant digits and 22 fraction
// digits: m / 10^k with m and 10^k exact doubles is the correctly rounded value, equal to
// Number(text). Times are (seconds, nanoseconds) pairs of exact doubles, so no BigInt is made
// per row; they become int64 words only when written into a record.

import { splitCsvLine } from './split-csv-line.js';

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The cells of the current line: cell i is buf[starts[i], ends[i]) with spaces trimmed. */
export class RowCells {
  buf: Uint8Array = new Uint8Array(0);
  count = 0;
  starts: Int32Array;
  ends: Int32Array;
  /** Why the line could not be split (bad quoting), when split() returned false. */
  splitProblem = '';
  private scratch = Buffer.alloc(1024);

  constructor(capacity: number) {
    this.starts = new Int32Array(capacity + 1);
    this.ends = new Int32Array(capacity + 1);
  }

  /**
   * Splits buf[start, end) on commas. Returns false for bad quoting (splitProblem says why).
   * Cells past the capacity are counted but not stored. `mayQuote` false: the caller knows
   * the bytes hold no quote (ByteLines.quoteFree), so the line is not searched for one.
   */
  split(buf: Uint8Array, start: number, end: number, mayQuote = true): boolean {
    if (mayQuote) {
      for (let i = start; i < end; i++) if (buf[i] === 34) return this.splitQuoted(buf, start, end);
    }
    const starts = this.starts;
    const ends = this.ends;
    const capacity = starts.length;
    let count = 0;
    let cellStart = start;
    for (let i = start; i < end; i++) {
      if (buf[i] === 44) {
        if (count < capacity) this.setCell(buf, count, cellStart, i);
        count += 1;
        cellStart = i + 1;
      }
    }
    if (count < capacity) this.setCell(buf, count, cellStart, end);
    this.count = count + 1;
    this.buf = buf;
    return true;
  }

  /** Stores cell i as buf[s, e) without surrounding spaces and tabs. */
  private setCell(buf: Uint8Array, i: number, s: number, e: number): void {
    if (s < e && (buf[s] === 32 || buf[s] === 9 || buf[e - 1] === 32 || buf[e - 1] === 9)) {
      while (s < e && (buf[s] === 32 || buf[s] === 9)) s++;
      while (e > s && (buf[e - 1] === 32 || buf[e - 1] === 9)) e--;
    }
    this.starts[i] = s;
    this.ends[i] = e;
  }

  /** The slow path for a line with quotes: split as text, then lay the cells out in a scratch buffer. */
  private splitQuoted(buf: Uint8Array, start: number, end: number): boolean {
    const line = Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('utf8');
    const split = splitCsvLine(line);
    if (!split.ok) {
      this.splitProblem = split.reason;
      return false;
    }
    const needed = Buffer.byteLength(line) + 1;
    if (this.scratch.length < needed) this.scratch = Buffer.alloc(needed * 2);
    let at = 0;
    const capacity = this.starts.length;
    split.fields.forEach((field, i) => {
      const written = this.scratch.write(field, at, 'utf8');
      if (i < capacity) {
        this.starts[i] = at;
        this.ends[i] = at + written;
      }
      at += written;
    });
    this.count = split.fields.length;
    this.buf = this.scratch;
    this.trimAll();
    return true;
  }

  private trimAll(): void {
    const n = Math.min(this.count, this.starts.length);
    const buf = this.buf;
    for (let i = 0; i < n; i++) {
      let s = this.starts[i]!;
      let e = this.ends[i]!;
      while (s < e && (buf[s] === 32 || buf[s] === 9)) s++;
      while (e > s && (buf[e - 1] === 32 || buf[e - 1] === 9)) e--;
      this.starts[i] = s;
      this.ends[i] = e;
    }
  }

  /** Cell i as text (for messages and slow paths). */
  text(i: number): string {
    return Buffer.from(this.buf.buffer, this.buf.byteOffset + this.starts[i]!, this.ends[i]! - this.starts[i]!).toString('utf8');
  }

  isEmpty(i: number): boolean {
    return this.ends[i]! === this.starts[i]!;
  }

  /**
   * Cell i as a finite number, or NaN when it is not a finite decimal (use decimalProblem for
   * why). Accepts what the bar loader accepts: [+-]digits[.digits][e[+-]digits], '.5'.
   */
  number(i: number): number {
    const buf = this.buf;
    let p = this.starts[i]!;
    const e = this.ends[i]!;
    if (p === e) return Number.NaN;
    let negative = false;
    const first = buf[p]!;
    if (first === 45 || first === 43) {
      negative = first === 45;
      p++;
    }
    let m = 0;
    let digits = 0;
    let fraction = -1;
    for (; p < e; p++) {
      const c = buf[p]!;
      const d = c - 48;
      if (d >= 0 && d <= 9) {
        if (m >= 9e14) return this.slowNumber(i);
        m = m * 10 + d;
        digits++;
        if (fraction >= 0) fraction++;
      } else if (c === 46 && fraction < 0) {
        fraction = 0;
      } else {
        return this.slowNumber(i);
      }
    }
    if (digits === 0) return Number.NaN;
    let value = m;
    if (fraction > 0) {
      if (fraction > 22) return this.slowNumber(i);
      value = m / POW10[fraction]!;
    }
    return negative ? -value : value;
  }

  private slowNumber(i: number): number {
    const text = this.text(i);
    if (!DECIMAL.test(text)) return Number.NaN;
    const value = Number(text);
    return Number.isFinite(value) ? value : Number.NaN;
  }

  /** Cell i as unsigned integer digits below 2^53, or -1. */
  safeInteger(i: number): number {
    const buf = this.buf;
    const e = this.ends[i]!;
    let p = this.starts[i]!;
    if (p === e) return -1;
    let v = 0;
    for (; p < e; p++) {
      const d = buf[p]! - 48;
      if (d < 0 || d > 9 || v >= 9e14) return -1;
      v = v * 10 + d;
    }
    return v;
  }

  /** FNV-1a-like 52-bit hash of the whole line (all cells and commas), for identical-row checks. */
  lineHash(start: number, end: number, buf: Uint8Array): number {
    let h1 = 0x811c9dc5 | 0;
    let h2 = 0x01000193 | 0;
    for (let p = start; p < end; p++) {
      const c = buf[p]!;
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 15);
    }
    return (h1 >>> 0) * 1048576 + (h2 & 0xfffff);
  }
}

/** Why cell text is not a finite decimal: the bar loader's rule id and sentence. */
export function decimalProblem(text: string, field: string): { rule: 'empty' | 'nan' | 'non-numeric'; detail: string } {
  if (text === '') return { rule: 'empty', detail: `\`${field}\` must not be empty, was ''` };
  if (/^[+-]?nan$/i.test(text)) return { rule: 'nan', detail: `\`${field}\` must be a number, was ${text}` };
  return { rule: 'non-numeric', detail: `\`${field}\` must be a finite decimal number, was '${text}'` };
}
