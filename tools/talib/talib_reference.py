#!/usr/bin/env python3
"""TA-Lib oracle for QuantFlow's indicator tokens.

Reads OHLCV CSV files (a header with open, high, low, close, volume columns, any case;
other columns ignored) and writes, for each file, a JSON document with every TA-Lib
output for the requested tokens:

  {"file": "<path>", "rows": n, "talib": "<version>",
   "outputs": {"<token>": {"<output name>": [value or null, ...]}}}

null marks TA-Lib's lookback (no value). Token -> TA-Lib call (the one place this
mapping lives; engine/indicators/TALIB_DIFFERENCES.md refers to it):

  sma:N          SMA(close, N)                                  value
  ema:N          EMA(close, N)                                  value
  wma:N          WMA(close, N)                                  value
  rsi:N          RSI(close, N)                                  value
  tr             TRANGE(high, low, close)                       value
  atr:N          ATR(high, low, close, N)                       value
  bb:N:K         BBANDS(close, N, K, K, MA_Type.SMA)            upper, middle, lower
  macd:F:S:G     MACD(close, F, S, G)                           macd, signal, hist
  roc:N          ROC(close, N)                                  value
  donchian:N     MAX(high, N), MIN(low, N)                      upper, lower
  stoch:K:D      STOCHF(high, low, close, K, D, MA_Type.SMA)    k, d
  stoch:K:S:D    STOCH(high, low, close, K, S, SMA, D, SMA)     k, d
  adx:N          ADX, PLUS_DI, MINUS_DI(high, low, close, N)    adx, plusdi, minusdi
  obv            OBV(close, volume)                             value

Usage: talib_reference.py --tokens sma:20,bb:20:2 --out-dir DIR file.csv [file.csv ...]
Writes DIR/<csv basename>.json. Exits 2 with a message naming the token or file on bad input.
"""
import argparse
import csv
import json
import math
import os
import sys

import numpy as np
import talib
from talib import MA_Type


def fail(message):
    print(f"talib_reference: {message}", file=sys.stderr)
    sys.exit(2)


def read_ohlcv(path):
    with open(path, newline="") as handle:
        reader = csv.reader(handle)
        header = [name.strip().lower() for name in next(reader)]
        columns = {}
        for name in ("open", "high", "low", "close", "volume"):
            if name not in header:
                fail(f"{path}: header must have a `{name}` column, has {header}")
            columns[name] = header.index(name)
        rows = {name: [] for name in columns}
        for line_number, row in enumerate(reader, start=2):
            for name, index in columns.items():
                try:
                    value = float(row[index])
                except (ValueError, IndexError):
                    fail(f"{path} line {line_number}: `{name}` must be a number, was {row[index] if index < len(row) else 'missing'!r}")
                if not math.isfinite(value):
                    fail(f"{path} line {line_number}: `{name}` must be finite, was {value}")
                rows[name].append(value)
    return {name: np.asarray(values, dtype=np.float64) for name, values in rows.items()}


def integer(token, name, raw):
    try:
        value = int(raw)
    except ValueError:
        fail(f"token `{token}`: `{name}` must be an integer, was {raw!r}")
    return value


def compute(token, bars):
    name, *params = token.split(":")
    o, h, l, c, v = bars["open"], bars["high"], bars["low"], bars["close"], bars["volume"]

    def expect(count):
        if len(params) != count:
            fail(f"token `{token}`: expected {count} parameter(s), got {len(params)}")

    if name in ("sma", "ema", "wma", "rsi", "roc"):
        expect(1)
        function = {"sma": talib.SMA, "ema": talib.EMA, "wma": talib.WMA, "rsi": talib.RSI, "roc": talib.ROC}[name]
        return {"value": function(c, timeperiod=integer(token, "period", params[0]))}
    if name == "tr":
        expect(0)
        return {"value": talib.TRANGE(h, l, c)}
    if name == "atr":
        expect(1)
        return {"value": talib.ATR(h, l, c, timeperiod=integer(token, "period", params[0]))}
    if name == "bb":
        expect(2)
        k = float(params[1])
        upper, middle, lower = talib.BBANDS(c, timeperiod=integer(token, "period", params[0]), nbdevup=k, nbdevdn=k, matype=MA_Type.SMA)
        return {"upper": upper, "middle": middle, "lower": lower}
    if name == "macd":
        expect(3)
        fast, slow, signal = (integer(token, n, p) for n, p in zip(("fast", "slow", "signal"), params))
        macd, macd_signal, hist = talib.MACD(c, fastperiod=fast, slowperiod=slow, signalperiod=signal)
        return {"macd": macd, "signal": macd_signal, "hist": hist}
    if name == "donchian":
        expect(1)
        n = integer(token, "period", params[0])
        return {"upper": talib.MAX(h, timeperiod=n), "lower": talib.MIN(l, timeperiod=n)}
    if name == "stoch":
        if len(params) == 2:
            k, d = (integer(token, n, p) for n, p in zip(("k period", "d period"), params))
            fast_k, fast_d = talib.STOCHF(h, l, c, fastk_period=k, fastd_period=d, fastd_matype=MA_Type.SMA)
            return {"k": fast_k, "d": fast_d}
        expect(3)
        k, s, d = (integer(token, n, p) for n, p in zip(("k period", "smoothing", "d period"), params))
        slow_k, slow_d = talib.STOCH(h, l, c, fastk_period=k, slowk_period=s, slowk_matype=MA_Type.SMA, slowd_period=d, slowd_matype=MA_Type.SMA)
        return {"k": slow_k, "d": slow_d}
    if name == "adx":
        expect(1)
        n = integer(token, "period", params[0])
        return {"adx": talib.ADX(h, l, c, timeperiod=n), "plusdi": talib.PLUS_DI(h, l, c, timeperiod=n), "minusdi": talib.MINUS_DI(h, l, c, timeperiod=n)}
    if name == "obv":
        expect(0)
        return {"value": talib.OBV(c, v)}
    fail(f"token `{token}`: no TA-Lib peer for indicator `{name}`")


def to_json_list(values):
    return [None if math.isnan(x) else x for x in values.tolist()]


def main():
    parser = argparse.ArgumentParser(description="Write TA-Lib outputs for QuantFlow indicator tokens.")
    parser.add_argument("--tokens", required=True, help="comma-separated tokens, e.g. sma:20,bb:20:2")
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    tokens = [t for t in args.tokens.split(",") if t]
    os.makedirs(args.out_dir, exist_ok=True)
    for path in args.files:
        bars = read_ohlcv(path)
        outputs = {}
        for token in tokens:
            try:
                series_by_name = compute(token, bars)
            except Exception as error:  # TA-Lib raises plain Exception on a bad parameter
                fail(f"token `{token}`: TA-Lib rejected it: {error}")
            outputs[token] = {name: to_json_list(series) for name, series in series_by_name.items()}
        document = {"file": path, "rows": len(bars["close"]), "talib": talib.__version__, "outputs": outputs}
        target = os.path.join(args.out_dir, os.path.splitext(os.path.basename(path))[0] + ".json")
        with open(target, "w") as handle:
            json.dump(document, handle)


if __name__ == "__main__":
    main()
