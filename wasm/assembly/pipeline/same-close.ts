// Bars that share a close time are decided once every PIPE_RISK instrument's bar of that time
// is marked. The engine runs bars one at a time, so without this the first instrument of a close
// time decided (and its order met the pre-trade checks: daily loss, position size, exposure,
// against the account's equity) with the others still at their previous close: a loss on the
// second instrument at that close let the first one's entry through DAILY_LOSS, or a gain on it
// refused one, depending only on the order the sources were merged in.
//
//   a PIPE_RISK bar at close time t: the mark, exits, indicators and regime run at once;
//     its decision (decision, order stage, EQUITY record) runs at once when it completes t (every
//     PIPE_RISK instrument's bar of t has run) and none waits; otherwise it is deferred (queued
//     in arrival order)
//   the deferred decisions run, one per unit of work (engine.ts), in arrival order, at their bar's
//     close time: once t is complete, or before the first unit that is not part of t's group (a
//     record other than a BAR of time t, a venue event due after t, a bar of another time)
//
// A single PIPE_RISK instrument completes every close time on its own, so nothing changes for
// it. Instruments of different bar intervals complete a close time only where all have a bar:
// elsewhere the decisions run before the next record (a backtest ends with a TIMER record past
// the data, engine/backtest/settle-data-end.ts; a live session sends one every live.timerMs).
// Whether a decision is deferred depends only on the records and the venue's due times, never
// on how the records were batched, so runs stay deterministic. A PIPE_MODEL instrument's bar
// counts toward its close time; its decision waits for its MODEL record as before (model-wait.ts).
import {
  HDR_CLOSE_SEEN, HDR_CLOSE_TIME, HDR_DEFER_COUNT, HDR_DEFER_HEAD, HDR_DEFER_TAIL, HDR_DEFERRED_TOTAL, HDR_RISK_COUNT, PIPE_DEFER_CLOSE,
  PIPE_DEFER_NEXT, PIPE_DEFER_OPEN, PIPE_DEFERRED, PIPE_ENTRY_BYTES, PIPE_HEADER, PIPE_RISK, PIPE_SEEN_CLOSE, PIPE_TABLE,
} from './pipeline-layout';

const HEADER: usize = <usize>PIPE_HEADER;

// @ts-ignore: decorator
@inline
function entryOf(instrument: i32): usize {
  return <usize>(PIPE_TABLE + instrument * PIPE_ENTRY_BYTES);
}

/** An entry's flags change from `before` to `after` (pipelineConfigure): keeps the PIPE_RISK count. */
export function sameCloseConfigured(before: i32, after: i32): void {
  const was = (before & PIPE_RISK) != 0 ? 1 : 0;
  const now = (after & PIPE_RISK) != 0 ? 1 : 0;
  if (was != now) store<i32>(HEADER + <usize>HDR_RISK_COUNT, load<i32>(HEADER + <usize>HDR_RISK_COUNT) + now - was);
}

/**
 * A PIPE_RISK bar of the instrument at `entry` closing at `close` runs: counts it toward its close
 * time (once per instrument). Returns true when the close time is now complete. The caller has
 * run the decisions deferred for an earlier close time first (sameCloseTime() != close).
 */
export function sameCloseSee(entry: usize, close: i64): bool {
  if (load<i64>(HEADER + <usize>HDR_CLOSE_TIME) != close) {
    store<i64>(HEADER + <usize>HDR_CLOSE_TIME, close);
    store<i32>(HEADER + <usize>HDR_CLOSE_SEEN, 0);
  }
  if (load<i64>(entry + PIPE_SEEN_CLOSE) != close) {
    store<i64>(entry + PIPE_SEEN_CLOSE, close);
    store<i32>(HEADER + <usize>HDR_CLOSE_SEEN, load<i32>(HEADER + <usize>HDR_CLOSE_SEEN) + 1);
  }
  return sameCloseComplete();
}

/** True when every PIPE_RISK instrument's bar of the current close time has run. */
// @ts-ignore: decorator
@inline
export function sameCloseComplete(): bool {
  return load<i32>(HEADER + <usize>HDR_CLOSE_SEEN) >= load<i32>(HEADER + <usize>HDR_RISK_COUNT);
}

/** The close time of the bars now running (the deferred decisions' time). */
// @ts-ignore: decorator
@inline
export function sameCloseTime(): i64 {
  return load<i64>(HEADER + <usize>HDR_CLOSE_TIME);
}

/** Decisions deferred now. */
// @ts-ignore: decorator
@inline
export function sameCloseDeferred(): i32 {
  return load<i32>(HEADER + <usize>HDR_DEFER_COUNT);
}

/** Defers the decision of `instrument`'s bar (open and close times) to the end of the queue. */
export function sameCloseDefer(instrument: i32, open: i64, close: i64): void {
  const entry = entryOf(instrument);
  if (load<i32>(entry + PIPE_DEFERRED) != 0) return; // already waiting (a repeated bar): decided once
  store<i32>(entry + PIPE_DEFERRED, 1);
  store<i32>(entry + PIPE_DEFER_NEXT, -1);
  store<i64>(entry + PIPE_DEFER_OPEN, open);
  store<i64>(entry + PIPE_DEFER_CLOSE, close);
  const count = load<i32>(HEADER + <usize>HDR_DEFER_COUNT);
  if (count == 0) store<i32>(HEADER + <usize>HDR_DEFER_HEAD, instrument);
  else store<i32>(entryOf(load<i32>(HEADER + <usize>HDR_DEFER_TAIL)) + PIPE_DEFER_NEXT, instrument);
  store<i32>(HEADER + <usize>HDR_DEFER_TAIL, instrument);
  store<i32>(HEADER + <usize>HDR_DEFER_COUNT, count + 1);
  store<i64>(HEADER + <usize>HDR_DEFERRED_TOTAL, load<i64>(HEADER + <usize>HDR_DEFERRED_TOTAL) + 1);
}

/** Takes the first deferred decision off the queue: its instrument (its entry keeps the bar's times), or -1. */
export function sameClosePop(): i32 {
  const count = load<i32>(HEADER + <usize>HDR_DEFER_COUNT);
  if (count == 0) return -1;
  const instrument = load<i32>(HEADER + <usize>HDR_DEFER_HEAD);
  const entry = entryOf(instrument);
  store<i32>(HEADER + <usize>HDR_DEFER_HEAD, load<i32>(entry + PIPE_DEFER_NEXT));
  store<i32>(HEADER + <usize>HDR_DEFER_COUNT, count - 1);
  store<i32>(entry + PIPE_DEFERRED, 0);
  return instrument;
}
