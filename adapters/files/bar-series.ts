// The loader's output: bars as columns (no per-row objects), and the builder that grows
// them while a file streams in.
//
//   BarSeries (length = n)
//   +---------------------------+----------------------------------------------+
//   | timeNs  BigInt64Array[n]  | integer ns since 1970-01-01T00:00Z, strictly  |
//   |                           | increasing                                   |
//   | open    Float64Array[n]   | > 0                                          |
//   | high    Float64Array[n]   | > 0, >= low, >= open, >= close               |
//   | low     Float64Array[n]   | > 0, <= open, <= close                       |
//   | close   Float64Array[n]   | > 0                                          |
//   | volume  Float64Array[n]   | >= 0                                         |
//   +---------------------------+----------------------------------------------+
//   Every array has exactly `length` elements and its own buffer (byteOffset 0), so
//   `new Int32Array(series.timeNs.buffer)` views exactly 2 * length words.

/** Bars as columns, element i of every array is bar i: what the engine's batch APIs take. */
export interface OhlcvColumns {
  readonly length: number;
  readonly timeNs: BigInt64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

/** Bars of one file as columns. */
export interface BarSeries extends OhlcvColumns {
  /** The path the bars were read from, as given to the loader. */
  readonly file: string;
}

const INITIAL_CAPACITY = 1024;

/** Appends bars into columns that double when full; `finish` trims them to the exact length. */
export class BarSeriesBuilder {
  private capacity = INITIAL_CAPACITY;
  private count = 0;
  private timeNs = new BigInt64Array(INITIAL_CAPACITY);
  private open = new Float64Array(INITIAL_CAPACITY);
  private high = new Float64Array(INITIAL_CAPACITY);
  private low = new Float64Array(INITIAL_CAPACITY);
  private close = new Float64Array(INITIAL_CAPACITY);
  private volume = new Float64Array(INITIAL_CAPACITY);

  get length(): number {
    return this.count;
  }

  push(timeNs: bigint, open: number, high: number, low: number, close: number, volume: number): void {
    if (this.count === this.capacity) this.grow();
    const i = this.count;
    this.timeNs[i] = timeNs;
    this.open[i] = open;
    this.high[i] = high;
    this.low[i] = low;
    this.close[i] = close;
    this.volume[i] = volume;
    this.count = i + 1;
  }

  /** The bars pushed so far, as exact-length arrays. The builder must not be used afterwards. */
  finish(file: string): BarSeries {
    const n = this.count;
    return {
      file,
      length: n,
      timeNs: this.timeNs.slice(0, n),
      open: this.open.slice(0, n),
      high: this.high.slice(0, n),
      low: this.low.slice(0, n),
      close: this.close.slice(0, n),
      volume: this.volume.slice(0, n),
    };
  }

  private grow(): void {
    this.capacity *= 2;
    const timeNs = new BigInt64Array(this.capacity);
    timeNs.set(this.timeNs);
    this.timeNs = timeNs;
    this.open = grown(this.open, this.capacity);
    this.high = grown(this.high, this.capacity);
    this.low = grown(this.low, this.capacity);
    this.close = grown(this.close, this.capacity);
    this.volume = grown(this.volume, this.capacity);
  }
}

function grown(values: Float64Array<ArrayBuffer>, capacity: number): Float64Array<ArrayBuffer> {
  const next = new Float64Array(capacity);
  next.set(values);
  return next;
}
