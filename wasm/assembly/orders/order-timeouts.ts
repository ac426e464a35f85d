// Acknowledgement and cancel timeouts, run on TIMER records: an order still waiting at its
// deadline for the venue's acknowledgement (PENDING_SUBMIT), or for the answer to a cancel or
// replace (PENDING_CANCEL, PENDING_REPLACE), turns UNCERTAIN: its fate is unknown, it keeps
// counting as working, and no new exposure goes on its instrument until a venue event or a
// reconciliation resolves it. Each one is written as an ORDER_NOTICE (ACK_TIMEOUT,
// CANCEL_TIMEOUT, REPLACE_TIMEOUT) so the I/O thread reconciles it.
import { RH_SLOTS_IN_USE, RISK_HEADER } from '../risk/risk-layout';
import {
  NOTICE_ACK_TIMEOUT, NOTICE_CANCEL_TIMEOUT, NOTICE_REPLACE_TIMEOUT, OI_HEAD, OI_LIVE, O_DEADLINE_NS, O_FILLED, O_ID, O_NEXT, O_QTY, O_STATE,
  STATE_PENDING_CANCEL, STATE_PENDING_REPLACE, STATE_PENDING_SUBMIT, STATE_UNCERTAIN, orderIndexAddress, orderSlotAddress,
} from './order-layout';
import { setOrderState } from './order-table';
import { writeNotice } from './order-notices';

/** Turns every order whose deadline passed at `nowNs` UNCERTAIN. Returns how many did. */
export function ordersOnTimer(nowNs: i64, clock: i64, ring: i32): i32 {
  const used = load<i32>(RISK_HEADER, RH_SLOTS_IN_USE);
  let timedOut = 0;
  for (let i = 0; i < used; i++) {
    const x = orderIndexAddress(i);
    if (load<i32>(x, OI_LIVE) == 0) continue;
    let slot = load<i32>(x, OI_HEAD);
    while (slot >= 0) {
      const o = orderSlotAddress(slot);
      const next = load<i32>(o, O_NEXT);
      const deadline = load<i64>(o, O_DEADLINE_NS);
      const state = load<i32>(o, O_STATE);
      if (deadline != 0 && deadline <= nowNs && (state == STATE_PENDING_SUBMIT || state == STATE_PENDING_CANCEL || state == STATE_PENDING_REPLACE)) {
        const code = state == STATE_PENDING_SUBMIT ? NOTICE_ACK_TIMEOUT : state == STATE_PENDING_CANCEL ? NOTICE_CANCEL_TIMEOUT : NOTICE_REPLACE_TIMEOUT;
        store<i64>(o, 0, O_DEADLINE_NS);
        setOrderState(slot, STATE_UNCERTAIN);
        writeNotice(ring, code, i, nowNs, clock, 0.0, load<f64>(o, O_QTY) - load<f64>(o, O_FILLED), state, load<u64>(o, O_ID));
        timedOut++;
      }
      slot = next;
    }
  }
  return timedOut;
}
