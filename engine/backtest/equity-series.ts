// The account's equity after each bar close, as columns: the run recorder's store. One row per
// distinct close time (a later bar of the same close time replaces the row), appended straight
// from the EQUITY records' bytes, so a run allocates no object per bar; the EquityPoint objects
// the reports read are built once, on first request.
//
//   row i:  closeHi[i] closeLo[i]   (the close time, ns, as its high and low 32-bit words)
//           equity[i]   cash[i]     (account currency)
//
// Columns grow by doubling; `length` rows are valid.
import type { EquityPoint } from './backtest-recording.js';

const INITIAL_ROWS = 1024;

export class EquitySeries {
  length = 0;
  private closeHi = new Int32Array(INITIAL_ROWS);
  private closeLo = new Uint32Array(INITIAL_ROWS);
  private equityColumn = new Float64Array(INITIAL_ROWS);
  private cashColumn = new Float64Array(INITIAL_ROWS);
  private points: EquityPoint[] | undefined;

  /** A series holding `points` (in order). */
  static fromPoints(points: readonly EquityPoint[]): EquitySeries {
    const series = new EquitySeries();
    for (const p of points) series.push(Number(BigInt.asIntN(32, p.timeNs >> 32n)), Number(BigInt.asUintN(32, p.timeNs)), p.equity, p.cash);
    return series;
  }

  /** The account after a bar that closed at (hi << 32 | lo) ns. */
  push(closeHi: number, closeLo: number, equity: number, cash: number): void {
    let row = this.length;
    if (row > 0 && this.closeHi[row - 1] === closeHi && this.closeLo[row - 1] === closeLo) row--;
    else {
      if (row === this.closeHi.length) this.grow();
      this.length++;
    }
    this.closeHi[row] = closeHi;
    this.closeLo[row] = closeLo;
    this.equityColumn[row] = equity;
    this.cashColumn[row] = cash;
    this.points = undefined;
  }

  /**
   * Ends the series with the account at `timeNs` (the end of the data) when it differs from the
   * last row and comes after it; a series with no row is left empty (no bar closed).
   */
  closeAt(timeNs: bigint, equity: number, cash: number): void {
    const last = this.length - 1;
    if (last < 0 || timeNs <= this.timeNs(last)) return;
    if (this.equityColumn[last] === equity && this.cashColumn[last] === cash) return;
    this.push(Number(BigInt.asIntN(32, timeNs >> 32n)), Number(BigInt.asUintN(32, timeNs)), equity, cash);
  }

  /** The equity column (a view of the `length` rows). */
  equity(): Float64Array {
    return this.equityColumn.subarray(0, this.length);
  }

  timeNs(row: number): bigint {
    return (BigInt(this.closeHi[row]) << 32n) | BigInt(this.closeLo[row]);
  }

  /**
   * From the first row's close time to the last one's, ns (exact while below 2^53 ns, about 104
   * days; a few ns off beyond); 0 with fewer than two rows. Rows have distinct, increasing close
   * times, so `length - 1` intervals span it.
   */
  spanNs(): number {
    const last = this.length - 1;
    if (last < 1) return 0;
    return (this.closeHi[last] - this.closeHi[0]) * 4294967296 + (this.closeLo[last] - this.closeLo[0]);
  }

  /** The rows as EquityPoint objects (built on the first call after a change). */
  toPoints(): EquityPoint[] {
    if (this.points === undefined) {
      const points = new Array<EquityPoint>(this.length);
      for (let i = 0; i < this.length; i++) points[i] = { timeNs: this.timeNs(i), equity: this.equityColumn[i], cash: this.cashColumn[i] };
      this.points = points;
    }
    return this.points;
  }

  private grow(): void {
    const rows = this.closeHi.length * 2;
    const widen = <T extends Int32Array | Uint32Array | Float64Array>(column: T, make: (n: number) => T): T => {
      const wider = make(rows);
      wider.set(column);
      return wider;
    };
    this.closeHi = widen(this.closeHi, (n) => new Int32Array(n));
    this.closeLo = widen(this.closeLo, (n) => new Uint32Array(n));
    this.equityColumn = widen(this.equityColumn, (n) => new Float64Array(n));
    this.cashColumn = widen(this.cashColumn, (n) => new Float64Array(n));
  }
}
