#!/usr/bin/env python3
"""Independent P&L check for QuantFlow's portfolio ledger: no engine code, numpy only.

Usage: recompute_pnl.py INPUT.json   (prints one JSON object on stdout)

Input (written by engine/portfolio/pnl-export.ts, format "quantflow-pnl/1"):
  startingCash    cash of the account currency (id 0) at the start
  linking         "fifo" or "lifo": which open lots a closing fill closes (margin realised P&L)
  rates           {currency id: account currency per unit}, the final rates
  marks           {instrument id: final mark}
  fills           list of {tsNs, instrument, qty (signed), price, fee (quote currency),
                  multiplier, currency (quote currency id), settlement ("spot" | "margin")},
                  in the order they were applied

Output:
  cash            {currency id: balance}: spot fills pay qty * price * multiplier + fee; margin
                  fills pay the fee and book realised P&L, (exit - entry) * qty * multiplier per
                  closed lot piece, lots matched first-in-first-out or last-in-first-out
  accountCash     sum over currencies of cash * rate
  equity          accountCash + sum over instruments of rate * (spot: position * mark *
                  multiplier; margin: (position * mark - cost of the open lots) * multiplier)
  equityLotFree   the same equity with no lots at all: per currency, the spot and fee cash
                  flows plus, for margin fills, (mark - price) * qty * multiplier, in one
                  vectorised sum. It must equal `equity` whatever the linking.
  positions       {instrument id: position}
"""
import json
import sys
from collections import deque

import numpy as np


def realised_by_matching(qty, price, multiplier, linking):
    """Realised P&L of one margin instrument's fills, lots matched by `linking`; also the open lots' cost."""
    lots = deque()  # [signed qty, price], oldest first
    realised = np.zeros(len(qty))
    for n, (q, p) in enumerate(zip(qty, price)):
        left = q
        while left != 0.0 and lots and (lots[0][0] > 0.0) != (left > 0.0):
            lot = lots[-1] if linking == "lifo" else lots[0]
            take = min(abs(left), abs(lot[0]))
            piece = take if lot[0] > 0.0 else -take
            realised[n] += (p - lot[1]) * piece * multiplier
            lot[0] -= piece
            left += piece
            if abs(lot[0]) <= 1e-12 * take:
                if linking == "lifo":
                    lots.pop()
                else:
                    lots.popleft()
        if left != 0.0:
            lots.append([left, p])
    open_cost = sum(lot[0] * lot[1] for lot in lots)
    return realised, open_cost


def recompute(data):
    fills = data["fills"]
    linking = data["linking"]
    rates = {int(c): float(r) for c, r in data["rates"].items()}
    marks = {int(i): float(m) for i, m in data["marks"].items()}
    instrument = np.array([f["instrument"] for f in fills], dtype=np.int64)
    qty = np.array([f["qty"] for f in fills], dtype=np.float64)
    price = np.array([f["price"] for f in fills], dtype=np.float64)
    fee = np.array([f["fee"] for f in fills], dtype=np.float64)
    multiplier = np.array([f["multiplier"] for f in fills], dtype=np.float64)
    currency = np.array([f["currency"] for f in fills], dtype=np.int64)
    margin = np.array([f["settlement"] == "margin" for f in fills], dtype=bool)
    mark = np.array([marks[i] for i in instrument], dtype=np.float64)

    currencies = sorted(set(rates) | {0})
    index = {c: k for k, c in enumerate(currencies)}
    slot = np.array([index[c] for c in currency], dtype=np.int64)
    rate = np.array([rates[c] for c in currencies], dtype=np.float64)

    # Cash flows that need no lots: spot pays the notional and the fee, margin the fee.
    flows = np.where(margin, -fee, -(qty * price * multiplier + fee))
    cash = np.zeros(len(currencies))
    cash[index[0]] = data["startingCash"]
    np.add.at(cash, slot, flows)

    equity_lot_free_by_currency = cash.copy()
    np.add.at(equity_lot_free_by_currency, slot, np.where(margin, (mark - price) * qty * multiplier, qty * mark * multiplier))

    # Margin realised P&L by lot matching, per instrument in fill order.
    realised = np.zeros(len(fills))
    held_value = np.zeros(len(currencies))
    positions = {}
    for i in sorted(set(instrument.tolist())):
        rows = np.flatnonzero(instrument == i)
        position = float(np.sum(qty[rows]))
        positions[str(i)] = position
        m = float(multiplier[rows[0]])
        c = slot[rows[0]]
        if margin[rows[0]]:
            realised[rows], open_cost = realised_by_matching(qty[rows].tolist(), price[rows].tolist(), m, linking)
            held_value[c] += (position * marks[i] - open_cost) * m
        else:
            held_value[c] += position * marks[i] * m
    np.add.at(cash, slot, realised)

    account_cash = float(np.dot(cash, rate))
    return {
        "cash": {str(c): float(cash[index[c]]) for c in currencies},
        "accountCash": account_cash,
        "equity": account_cash + float(np.dot(held_value, rate)),
        "equityLotFree": float(np.dot(equity_lot_free_by_currency, rate)),
        "positions": positions,
    }


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: recompute_pnl.py INPUT.json")
    with open(sys.argv[1], encoding="utf-8") as f:
        data = json.load(f)
    if data.get("format") != "quantflow-pnl/1":
        sys.exit(f"{sys.argv[1]}: `format` must be \"quantflow-pnl/1\", was {data.get('format')!r}")
    if data.get("linking") not in ("fifo", "lifo"):
        sys.exit(f"{sys.argv[1]}: `linking` must be \"fifo\" or \"lifo\", was {data.get('linking')!r}")
    json.dump(recompute(data), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
