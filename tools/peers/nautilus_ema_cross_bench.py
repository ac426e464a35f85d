#!/usr/bin/env python3
"""NautilusTrader 1.221.0 tick-replay benchmark: the low-level BacktestEngine over trade ticks.

    nautilus_ema_cross_bench.py --ticks FILE.csv [FILE2.csv ...] --repeat N --mode none|ema-cross
        [--trade-size 0.01] [--log-level LEVEL] [--analysis]
        [--no-trade-tick-subscription]

Runs in .cache/nautilus-venv (tools/peers/ensure-nautilus.mjs), not .cache/pyenv.

Workload
  - Binance trade CSVs of ../shared/data/crypto_trades (trade_time_ms, trade_time_utc,
    event_time_ms, local_recv_ns, trade_id, price, qty, aggressor_side, is_buyer_maker), all of
    one market and symbol (binance_spot_BTCUSDT_..., binance_spot_ETHUSDT_...), merged by time;
  - repeated N times: copy k is shifted in time by k * (span + 1 ms), span = last - first
    trade time, so each copy starts after the previous one ends; its trade ids are shifted by
    k * (max id - min id + 1), so they stay unique;
  - one TradeTick per trade: ts_event = ts_init = trade_time_ms in ns, price and size rounded to
    the instrument's precisions, aggressor BUYER/SELLER from aggressor_side.
Engine
  - BacktestEngine (low level), venue BINANCE, OmsType.NETTING, AccountType.CASH, starting
    balances 1,000,000 USDT and 10 base units; instrument TestInstrumentProvider
    btcusdt_binance() or ethusdt_binance() (CurrencyPair, maker and taker fee 0.1%);
    no logging by default (LoggingConfig(bypass_logging=True)) and no post-run analysis
    (run_analysis=False): measured here, logging even at level ERROR costs about a third of the
    no-strategy run, so the default times the engine, not its logger. --log-level LEVEL turns
    logging on at LEVEL, --analysis turns the analysis on (it runs inside engine.run()).
  - mode none: no strategy; mode ema-cross: nautilus_trader.examples.strategies.ema_cross
    EMACross (long/short, reverses on each cross) with fast 10, slow 20, bar type
    <SYMBOL>.BINANCE-1-MINUTE-LAST-INTERNAL (bars aggregated by the engine from the trade ticks),
    trade_size --trade-size, request_bars=False (there is no historical data client), and the
    example's subscribe_trade_ticks=True (its on_trade_tick builds repr(tick) for a log line on
    every tick, whatever the log level) unless --no-trade-tick-subscription.
Timed region: engine.run() only. Reading the CSVs, building the TradeTicks, engine.add_data()
(which sorts them) and the reports afterwards are outside it. peak_rss_mb is the process's
peak resident set (ru_maxrss), which includes the ticks built before the run.

Prints one JSON document: ticks, seconds, ticks_per_second, orders, fills, peak_rss_mb,
version, and the workload (files, repeat, mode, instrument, bars built). cpu_seconds (the
process's CPU time over the same region) and load_average_1m (after the run) tell a run slowed
by other jobs on the machine from a slow engine.
"""
import argparse
import csv
import json
import os
import re
import resource
import sys
import time
from decimal import Decimal

import nautilus_trader
from nautilus_trader.backtest.engine import BacktestEngine
from nautilus_trader.backtest.engine import BacktestEngineConfig
from nautilus_trader.config import LoggingConfig
from nautilus_trader.model.currencies import USDT
from nautilus_trader.model.data import BarType
from nautilus_trader.model.data import TradeTick
from nautilus_trader.model.enums import AccountType
from nautilus_trader.model.enums import AggressorSide
from nautilus_trader.model.enums import OmsType
from nautilus_trader.model.identifiers import TradeId
from nautilus_trader.model.identifiers import TraderId
from nautilus_trader.model.identifiers import Venue
from nautilus_trader.model.objects import Money
from nautilus_trader.model.objects import Price
from nautilus_trader.model.objects import Quantity
from nautilus_trader.test_kit.providers import TestInstrumentProvider

FILE_NAME = re.compile(r'binance_(spot|usdm_perp)_([A-Z0-9]+)_trades')
INSTRUMENTS = {'BTCUSDT': TestInstrumentProvider.btcusdt_binance, 'ETHUSDT': TestInstrumentProvider.ethusdt_binance}


def fail(message: str) -> None:
    print(f'nautilus_ema_cross_bench: {message}', file=sys.stderr)
    sys.exit(2)


def read_trades(paths: list[str]) -> tuple[str, list[tuple[int, int, float, float, bool]]]:
    """(symbol, rows of (trade_time_ms, trade_id, price, qty, buyer_aggressor)) merged by time."""
    markets = set()
    rows: list[tuple[int, int, float, float, bool]] = []
    for path in paths:
        match = FILE_NAME.search(os.path.basename(path))
        if not match:
            fail(f'{path}: cannot tell the market and symbol from the file name (want binance_spot_<SYMBOL>_trades...)')
        markets.add((match.group(1), match.group(2)))
        with open(path, newline='') as handle:
            reader = csv.DictReader(handle)
            need = {'trade_time_ms', 'trade_id', 'price', 'qty', 'aggressor_side'}
            if not need.issubset(reader.fieldnames or []):
                fail(f'{path}: needs columns {", ".join(sorted(need))}, has {reader.fieldnames}')
            for line, row in enumerate(reader, start=2):
                side = row['aggressor_side']
                if side not in ('buy', 'sell'):
                    fail(f'{path}:{line}: `aggressor_side` must be buy or sell, was {side!r}')
                rows.append((int(row['trade_time_ms']), int(row['trade_id']), float(row['price']), float(row['qty']), side == 'buy'))
    if len(markets) != 1:
        fail(f'all files must be of one market and symbol, got {sorted(markets)}')
    market, symbol = markets.pop()
    if symbol not in INSTRUMENTS:
        fail(f'no test instrument for {symbol} (have {", ".join(INSTRUMENTS)})')
    if not rows:
        fail('no trades in the files')
    rows.sort(key=lambda r: (r[0], r[1]))
    return symbol, rows


def build_ticks(instrument, rows, repeat: int) -> list[TradeTick]:
    first_ms, last_ms = rows[0][0], rows[-1][0]
    shift_ms = last_ms - first_ms + 1
    ids = [r[1] for r in rows]
    id_shift = max(ids) - min(ids) + 1
    instrument_id = instrument.id
    price_precision, size_precision = instrument.price_precision, instrument.size_precision
    prices: dict[float, Price] = {}
    sizes: dict[float, Quantity] = {}
    ticks: list[TradeTick] = []
    for k in range(repeat):
        for ms, trade_id, price, qty, buyer in rows:
            ts = (ms + k * shift_ms) * 1_000_000
            p = prices.get(price)
            if p is None:
                p = prices[price] = Price(price, price_precision)
            q = sizes.get(qty)
            if q is None:
                q = sizes[qty] = Quantity(qty, size_precision)
            ticks.append(
                TradeTick(
                    instrument_id,
                    p,
                    q,
                    AggressorSide.BUYER if buyer else AggressorSide.SELLER,
                    TradeId(str(trade_id + k * id_shift)),
                    ts,
                    ts,
                )
            )
    return ticks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--ticks', nargs='+', required=True)
    parser.add_argument('--repeat', type=int, default=1)
    parser.add_argument('--mode', choices=['none', 'ema-cross'], required=True)
    parser.add_argument('--trade-size', default='0.01')
    parser.add_argument('--log-level', default=None, help='log at LEVEL (default: LoggingConfig(bypass_logging=True))')
    parser.add_argument('--analysis', action='store_true', help='BacktestEngineConfig(run_analysis=True)')
    parser.add_argument('--no-trade-tick-subscription', action='store_true', help='EMACrossConfig(subscribe_trade_ticks=False)')
    args = parser.parse_args()
    if args.repeat < 1:
        fail(f'`--repeat` must be >= 1, was {args.repeat}')

    symbol, rows = read_trades(args.ticks)
    instrument = INSTRUMENTS[symbol]()
    build_started = time.perf_counter()
    ticks = build_ticks(instrument, rows, args.repeat)
    build_seconds = time.perf_counter() - build_started

    engine = BacktestEngine(
        config=BacktestEngineConfig(
            trader_id=TraderId('BENCH-001'),
            logging=LoggingConfig(log_level=args.log_level or 'ERROR', bypass_logging=args.log_level is None),
            run_analysis=args.analysis,
        )
    )
    venue = Venue('BINANCE')
    engine.add_venue(
        venue=venue,
        oms_type=OmsType.NETTING,
        account_type=AccountType.CASH,
        base_currency=None,
        starting_balances=[Money(1_000_000, USDT), Money(10, instrument.base_currency)],
    )
    engine.add_instrument(instrument)
    engine.add_data(ticks)
    bar_type = BarType.from_str(f'{instrument.id}-1-MINUTE-LAST-INTERNAL')
    if args.mode == 'ema-cross':
        from nautilus_trader.examples.strategies.ema_cross import EMACross
        from nautilus_trader.examples.strategies.ema_cross import EMACrossConfig

        engine.add_strategy(
            EMACross(
                EMACrossConfig(
                    instrument_id=instrument.id,
                    bar_type=bar_type,
                    trade_size=Decimal(args.trade_size),
                    fast_ema_period=10,
                    slow_ema_period=20,
                    request_bars=False,
                    subscribe_trade_ticks=not args.no_trade_tick_subscription,
                )
            )
        )

    cpu_started = time.process_time()
    started = time.perf_counter()
    engine.run()
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started

    orders = engine.cache.orders()
    fills = sum(len(order.trade_ids) for order in orders)
    bars = engine.cache.bar_count(bar_type) if args.mode == 'ema-cross' else 0
    result = {
        'ticks': len(ticks),
        'seconds': seconds,
        'ticks_per_second': len(ticks) / seconds,
        'cpu_seconds': cpu_seconds,
        'load_average_1m': os.getloadavg()[0],
        'orders': len(orders),
        'fills': fills,
        'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        'version': nautilus_trader.__version__,
        'mode': args.mode,
        'repeat': args.repeat,
        'files': [os.path.basename(p) for p in args.ticks],
        'instrument': str(instrument.id),
        'bars_in_cache': bars,
        'build_seconds': build_seconds,
        'log_level': args.log_level,
        'bypass_logging': args.log_level is None,
        'run_analysis': args.analysis,
        'strategy_subscribes_trade_ticks': args.mode == 'ema-cross' and not args.no_trade_tick_subscription,
    }
    engine.dispose()
    json.dump(result, sys.stdout)
    sys.stdout.write('\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
