#!/usr/bin/env python3
"""backtesting.py (PyPI `backtesting` 0.6.6) running a long/flat EMA cross on a bar CSV.

The independent peer that QuantFlow's bar backtest is checked against (tools/peers/README.md).

    backtesting_ema_cross.py --bars FILE.csv --cash 100000 --commission 0.001 --quantity 1 \
        [--fast 10] [--slow 20] [--finalize-trades]

Bars: a CSV with timestamp,open,high,low,close,volume (ISO 8601 times with an offset, the
bar's open time, as data/binance_spot_*_1h_*.csv).

Strategy, in `next()` of bar i (a moment before bar i closes, seeing closes 0..i):
    fast = EMA(close, fast)[i], slow = EMA(close, slow)[i], both NaN until ready;
    if fast >= slow and no position: buy(size=quantity)
    elif fast < slow and a position: position.close()
    (nothing while either EMA is NaN).
The EMAs are TA-Lib's EMA: k = 2/(N+1), seeded with the simple mean of the first N closes (sum
in order, then divided by N) at bar N-1, then ema = (close - ema) * k + ema, NaN before bar
N-1. They are computed in init() as plain arrays, not through Strategy.I(): backtesting.py skips
calling next() until every Strategy.I() indicator is ready plus one bar, which would delay the
first decision by a bar; here next() runs from bar 1 and the NaN check does the warm-up. When
the `talib` module is importable the arrays are compared with talib.EMA (reported in
`ema_check`, the run fails on a difference above 1e-9 relative).

Broker: Backtest(cash, commission, spread=0, margin=1 (no leverage), trade_on_close=False,
hedging=False, exclusive_orders=False, finalize_trades=False unless --finalize-trades).
A market order placed in next() of bar i fills at the OPEN of bar i+1 (stamped with bar i+1's
timestamp). Commission is charged on cash at every fill: |size| * fill price * commission, at
entry (cash -= it when the trade opens) and again at exit (cash += gross P&L - it). A trade's
`pnl` is net of both commissions and `commission` is their sum. An order placed in next() of
the last bar never fills. A trade still open at the end stays open (not in `trades`, reported
in `open_trade`); `final_equity` is then cash + quantity * (last close - entry price), i.e.
the entry commission is paid and no exit commission is charged. With --finalize-trades,
backtesting.py closes it by re-running its broker on the last bar, which fills the close at
the last bar's OPEN (not its close), charging the exit commission.

Quantity: backtesting.py reads a size in (0, 1) as a fraction of equity and otherwise needs
a whole number of units. A whole --quantity is passed as is; any other is traded as in
backtesting.lib.FractionalBacktest: prices are multiplied by the quantity and one unit is
bought, and prices are divided back in the output (commission and P&L are cash, unscaled).

Prints one JSON document on stdout (times ISO 8601 UTC, `...Z`).
"""
import argparse
import json
import math
import sys
import warnings

import numpy as np
import pandas as pd

import backtesting
from backtesting import Backtest, Strategy


def ema_talib_style(close: np.ndarray, period: int) -> np.ndarray:
    """TA-Lib EMA: SMA seed of the first `period` values at index period-1, then (x - e) * k + e."""
    out = np.full(len(close), np.nan)
    if period < 1 or len(close) < period:
        return out
    k = 2.0 / (period + 1)
    seed = 0.0
    for x in close[:period]:
        seed += float(x)
    e = seed / period
    out[period - 1] = e
    for i in range(period, len(close)):
        e = (float(close[i]) - e) * k + e
        out[i] = e
    return out


def iso_utc(ts: pd.Timestamp) -> str:
    return ts.tz_convert('UTC').strftime('%Y-%m-%dT%H:%M:%SZ') if ts.tzinfo else ts.strftime('%Y-%m-%dT%H:%M:%SZ')


def load_bars(path: str) -> pd.DataFrame:
    raw = pd.read_csv(path)
    columns = {c.lower(): c for c in raw.columns}
    missing = [c for c in ('timestamp', 'open', 'high', 'low', 'close', 'volume') if c not in columns]
    if missing:
        raise SystemExit(f'{path}: missing column(s) {", ".join(missing)} (need timestamp,open,high,low,close,volume)')
    index = pd.to_datetime(raw[columns['timestamp']], utc=True, format='ISO8601')
    frame = pd.DataFrame(
        {
            'Open': raw[columns['open']].astype(float).values,
            'High': raw[columns['high']].astype(float).values,
            'Low': raw[columns['low']].astype(float).values,
            'Close': raw[columns['close']].astype(float).values,
            'Volume': raw[columns['volume']].astype(float).values,
        },
        index=pd.DatetimeIndex(index, name='timestamp'),
    )
    if not frame.index.is_monotonic_increasing or frame.index.has_duplicates:
        raise SystemExit(f'{path}: timestamps must be strictly increasing')
    return frame


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--bars', required=True)
    parser.add_argument('--cash', type=float, required=True)
    parser.add_argument('--commission', type=float, required=True)
    parser.add_argument('--quantity', type=float, required=True)
    parser.add_argument('--fast', type=int, default=10)
    parser.add_argument('--slow', type=int, default=20)
    parser.add_argument('--finalize-trades', action='store_true')
    args = parser.parse_args()
    if not (args.quantity > 0 and math.isfinite(args.quantity)):
        raise SystemExit(f'`--quantity` must be finite and > 0, was {args.quantity}')
    if args.fast < 1 or args.slow < 1:
        raise SystemExit(f'`--fast` and `--slow` must be >= 1, were {args.fast} and {args.slow}')

    bars = load_bars(args.bars)
    close = bars['Close'].to_numpy(dtype=float)
    fast = ema_talib_style(close, args.fast)
    slow = ema_talib_style(close, args.slow)

    ema_check = None
    try:
        import talib  # the same venv holds TA-Lib (tools/pyenv/requirements.txt)

        worst = 0.0
        for period, ours in ((args.fast, fast), (args.slow, slow)):
            theirs = talib.EMA(close, timeperiod=period)
            if not np.array_equal(np.isnan(ours), np.isnan(theirs)):
                raise SystemExit(f'EMA({period}) warm-up differs from talib.EMA')
            both = ~np.isnan(ours)
            if both.any():
                worst = max(worst, float(np.max(np.abs(ours[both] - theirs[both]) / np.abs(theirs[both]))))
        if worst > 1e-9:
            raise SystemExit(f'EMA differs from talib.EMA by {worst:.3e} relative (> 1e-9)')
        ema_check = {'talib_version': talib.__version__, 'max_relative_difference': worst}
    except ImportError:
        pass

    whole = float(args.quantity).is_integer()
    unit = 1.0 if whole else float(args.quantity)
    order_size = int(args.quantity) if whole else 1
    data = bars.copy()
    if not whole:
        for col in ('Open', 'High', 'Low', 'Close'):
            data[col] = data[col] * unit
        data['Volume'] = data['Volume'] / unit

    class EmaCross(Strategy):
        def init(self):
            pass

        def next(self):
            i = len(self.data) - 1
            f, s = fast[i], slow[i]
            if math.isnan(f) or math.isnan(s):
                return
            if f >= s and not self.position:
                self.buy(size=order_size)
            elif f < s and self.position:
                self.position.close()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        bt = Backtest(
            data,
            EmaCross,
            cash=args.cash,
            spread=0.0,
            commission=args.commission,
            margin=1.0,
            trade_on_close=False,
            hedging=False,
            exclusive_orders=False,
            finalize_trades=args.finalize_trades,
        )
        stats = bt.run()
    broker_warnings = sorted({str(w.message) for w in caught if 'fraction' not in str(w.message)})

    index = data.index
    strategy = stats['_strategy']
    broker = strategy._broker
    trades = []
    for t in broker.closed_trades:
        trades.append(
            {
                'entry_time': iso_utc(index[t.entry_bar]),
                'exit_time': iso_utc(index[t.exit_bar]),
                'entry_price': t.entry_price / unit,
                'exit_price': t.exit_price / unit,
                'size': t.size * unit,
                'pnl': t.pl,
                'commission': t._commissions,
            }
        )
    open_trade = None
    open_commission = 0.0
    for t in broker.trades:  # at most one: entries only when flat, and finalize closes it
        open_commission += broker._commission(t.size, t.entry_price)
        open_trade = {
            'entry_time': iso_utc(index[t.entry_bar]),
            'entry_price': t.entry_price / unit,
            'size': t.size * unit,
            'last_close': float(close[-1]),
            'unrealized_pnl': t.size * (float(data['Close'].iloc[-1]) - t.entry_price),
            'entry_commission': broker._commission(t.size, t.entry_price),
        }
    pending = [{'size': o.size * unit, 'is_close': o.parent_trade is not None} for o in broker.orders]
    equity_curve = stats['_equity_curve']['Equity']
    result = {
        'version': backtesting.__version__,
        'bars': len(data),
        'first_bar': iso_utc(index[0]),
        'last_bar': iso_utc(index[-1]),
        'parameters': {
            'cash': args.cash,
            'commission': args.commission,
            'quantity': args.quantity,
            'fast': args.fast,
            'slow': args.slow,
            'finalize_trades': args.finalize_trades,
            'trade_on_close': False,
            'exclusive_orders': False,
            'spread': 0.0,
            'margin': 1.0,
            'fractional_unit': None if whole else unit,
        },
        'ema_seeding': 'TA-Lib: SMA of the first N closes at bar N-1, then (close - ema) * 2/(N+1) + ema; NaN before',
        'ema_check': ema_check,
        'trades': trades,
        'open_trade': open_trade,
        'pending_orders_at_end': pending,
        'final_cash': broker._cash,
        'final_equity': float(stats['Equity Final [$]']),
        'equity_curve_last': float(equity_curve.iloc[-1]),
        'commission_total': float(sum(t['commission'] for t in trades) + open_commission),
        'warnings': broker_warnings,
    }
    json.dump(result, sys.stdout, allow_nan=False)
    sys.stdout.write('\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
