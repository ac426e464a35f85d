// Runs the two Python peers of the backtest from TypeScript (tools/peers/README.md):
//   - runBacktestingPyEmaCross: backtesting.py (0.6.6) trading a long/flat EMA cross on a bar
//     CSV, in .cache/pyenv (tools/pyenv/ensure-python.mjs); the P&L check;
//   - runNautilusBench: NautilusTrader (1.221.0) replaying trade ticks through its low-level
//     BacktestEngine, in .cache/nautilus-venv (tools/peers/ensure-nautilus.mjs); the speed baseline.
// Each ensures its venv first, runs its script, and parses the JSON it prints. A script that
// fails rejects with a PeerScriptError carrying its exit status and stderr. Used by tests and
// benchmarks; never by the engine.
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** Repository root, from source (tools/peers) or from dist (dist/tools/peers). */
export const repoRoot = here.includes('/dist/') ? resolve(here, '../../..') : resolve(here, '../..');
const backtestingScript = join(repoRoot, 'tools', 'peers', 'backtesting_ema_cross.py');
const nautilusScript = join(repoRoot, 'tools', 'peers', 'nautilus_ema_cross_bench.py');

/** One closed round trip as backtesting.py reports it. Times are ISO 8601 UTC (`...Z`), the timestamps of the fill bars (their open times). */
export interface BacktestingPyTrade {
  readonly entryTime: string;
  readonly exitTime: string;
  /** The open of the bar after the entry decision. */
  readonly entryPrice: number;
  /** The open of the bar after the exit decision. */
  readonly exitPrice: number;
  readonly size: number;
  /** size * (exit - entry) - commission. */
  readonly pnl: number;
  /** Entry plus exit commission: size * price * rate at each fill. */
  readonly commission: number;
}

/** The trade still open when the bars end (backtesting.py leaves it open). */
export interface BacktestingPyOpenTrade {
  readonly entryTime: string;
  readonly entryPrice: number;
  readonly size: number;
  readonly lastClose: number;
  /** size * (last close - entry), before any commission. */
  readonly unrealizedPnl: number;
  /** Already taken from cash. No exit commission is charged. */
  readonly entryCommission: number;
}

export interface BacktestingPyResult {
  /** backtesting.py's version. */
  readonly version: string;
  readonly bars: number;
  readonly firstBar: string;
  readonly lastBar: string;
  readonly trades: readonly BacktestingPyTrade[];
  readonly openTrade: BacktestingPyOpenTrade | null;
  /** Orders placed on the last bar, which never fill. */
  readonly pendingOrdersAtEnd: readonly { readonly size: number; readonly isClose: boolean }[];
  readonly finalCash: number;
  /** Cash plus the open trade marked at the last close. */
  readonly finalEquity: number;
  readonly equityCurveLast: number;
  /** Every commission taken from cash: closed trades' and the open trade's entry commission. */
  readonly commissionTotal: number;
  /** How the EMAs were seeded, in words. */
  readonly emaSeeding: string;
  /** The EMAs compared with talib.EMA in the same venv, or null when talib is not importable. */
  readonly emaCheck: { readonly talibVersion: string; readonly maxRelativeDifference: number } | null;
  /** Warnings backtesting.py raised (a canceled order for want of cash, a trade left open). */
  readonly warnings: readonly string[];
}

export interface BacktestingPyOptions {
  /** Bar CSV: timestamp,open,high,low,close,volume. */
  bars: string;
  cash: number;
  /** Rate per fill on the traded value (0.001 = 0.1%). */
  commission: number;
  /** Units per entry. */
  quantity: number;
  fast?: number;
  slow?: number;
  /** Close the open trade on the last bar (backtesting.py fills it at the last bar's open). Default false. */
  finalizeTrades?: boolean;
}

export interface NautilusBenchOptions {
  /** Binance trade CSVs of one market and symbol (../shared/data/crypto_trades). */
  ticks: string[];
  /** Copies of the ticks, each shifted past the previous one's end. */
  repeat: number;
  mode: 'none' | 'ema-cross';
  /** EMACross trade size in base units; default 0.01. */
  tradeSize?: string;
  /** Log at this Nautilus level; by default logging is bypassed (not timed). */
  logLevel?: string;
  /** Run Nautilus's post-run analysis inside engine.run(); default off. */
  analysis?: boolean;
  /** EMACross without its trade-tick subscription (its on_trade_tick formats every tick). */
  noTradeTickSubscription?: boolean;
}

export interface NautilusBenchResult {
  readonly ticks: number;
  /** Wall time of engine.run() alone. */
  readonly seconds: number;
  readonly ticksPerSecond: number;
  /** The process's CPU time over engine.run(): steadier than `seconds` on a busy machine. */
  readonly cpuSeconds: number;
  /** The machine's 1-minute load average just after the run. */
  readonly loadAverage1m: number;
  readonly orders: number;
  readonly fills: number;
  /** The process's peak RSS, including the ticks built before the run. */
  readonly peakRssMb: number;
  /** nautilus_trader's version. */
  readonly version: string;
  readonly mode: 'none' | 'ema-cross';
  readonly repeat: number;
  readonly instrument: string;
  readonly barsInCache: number;
  /** Time to build the TradeTicks (not in `seconds`). */
  readonly buildSeconds: number;
  /** Null when logging was bypassed. */
  readonly logLevel: string | null;
  readonly runAnalysis: boolean;
  readonly strategySubscribesTradeTicks: boolean;
}

/** A peer script that exited with an error; `stderr` is what it printed there. */
export class PeerScriptError extends Error {
  constructor(
    readonly script: string,
    readonly exitStatus: number | string,
    readonly stderr: string,
  ) {
    super(`${script} exited with ${exitStatus}: ${stderr.trim() || '(no stderr)'}`);
    this.name = 'PeerScriptError';
  }
}

function checkPositive(field: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) throw new Error(`\`${field}\` must be finite and > 0, was ${value}`);
}

async function importTool(relative: string): Promise<Record<string, unknown>> {
  return (await import(pathToFileURL(join(repoRoot, relative)).href)) as Record<string, unknown>;
}

/** .cache/pyenv's python, created or updated from tools/pyenv/requirements.txt when needed. */
export async function ensurePyenv(): Promise<string> {
  const tool = await importTool('tools/pyenv/ensure-python.mjs');
  return (tool.ensurePython as () => string)();
}

/** .cache/nautilus-venv's python, created when needed. */
export async function ensureNautilusVenv(): Promise<string> {
  const tool = await importTool('tools/peers/ensure-nautilus.mjs');
  return (tool.ensureNautilus as () => string)();
}

function runScript(python: string, script: string, args: string[]): Promise<unknown> {
  const name = script.slice(script.lastIndexOf('/') + 1);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(python, [script, ...args], {
      env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', PYTHONUNBUFFERED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => reject(new PeerScriptError(name, 'spawn error', `${error.message}\n${Buffer.concat(err).toString('utf8')}`)));
    child.on('close', (code, signal) => {
      const stderr = Buffer.concat(err).toString('utf8');
      if (code !== 0) {
        reject(new PeerScriptError(name, code ?? signal ?? 'unknown', stderr));
        return;
      }
      const stdout = Buffer.concat(out).toString('utf8');
      try {
        resolvePromise(JSON.parse(stdout));
      } catch (error) {
        reject(new PeerScriptError(name, `0 but printed no JSON (${(error as Error).message}): ${stdout.slice(0, 200)}`, stderr));
      }
    });
  });
}

interface RawBacktestingTrade {
  entry_time: string;
  exit_time: string;
  entry_price: number;
  exit_price: number;
  size: number;
  pnl: number;
  commission: number;
}

interface RawBacktestingResult {
  version: string;
  bars: number;
  first_bar: string;
  last_bar: string;
  trades: RawBacktestingTrade[];
  open_trade: null | { entry_time: string; entry_price: number; size: number; last_close: number; unrealized_pnl: number; entry_commission: number };
  pending_orders_at_end: { size: number; is_close: boolean }[];
  final_cash: number;
  final_equity: number;
  equity_curve_last: number;
  commission_total: number;
  ema_seeding: string;
  ema_check: null | { talib_version: string; max_relative_difference: number };
  warnings: string[];
}

/** backtesting.py's long/flat EMA(fast)/EMA(slow) cross on `bars` (models in tools/peers/README.md). */
export async function runBacktestingPyEmaCross(opts: BacktestingPyOptions): Promise<BacktestingPyResult> {
  checkPositive('cash', opts.cash);
  checkPositive('quantity', opts.quantity);
  if (!(Number.isFinite(opts.commission) && opts.commission >= 0 && opts.commission < 0.1)) {
    throw new Error(`\`commission\` must be in [0, 0.1), was ${opts.commission}`);
  }
  const python = await ensurePyenv();
  const args = ['--bars', resolve(opts.bars), '--cash', String(opts.cash), '--commission', String(opts.commission), '--quantity', String(opts.quantity)];
  args.push('--fast', String(opts.fast ?? 10), '--slow', String(opts.slow ?? 20));
  if (opts.finalizeTrades) args.push('--finalize-trades');
  const r = (await runScript(python, backtestingScript, args)) as RawBacktestingResult;
  return {
    version: r.version,
    bars: r.bars,
    firstBar: r.first_bar,
    lastBar: r.last_bar,
    trades: r.trades.map((t) => ({
      entryTime: t.entry_time,
      exitTime: t.exit_time,
      entryPrice: t.entry_price,
      exitPrice: t.exit_price,
      size: t.size,
      pnl: t.pnl,
      commission: t.commission,
    })),
    openTrade: r.open_trade && {
      entryTime: r.open_trade.entry_time,
      entryPrice: r.open_trade.entry_price,
      size: r.open_trade.size,
      lastClose: r.open_trade.last_close,
      unrealizedPnl: r.open_trade.unrealized_pnl,
      entryCommission: r.open_trade.entry_commission,
    },
    pendingOrdersAtEnd: r.pending_orders_at_end.map((o) => ({ size: o.size, isClose: o.is_close })),
    finalCash: r.final_cash,
    finalEquity: r.final_equity,
    equityCurveLast: r.equity_curve_last,
    commissionTotal: r.commission_total,
    emaSeeding: r.ema_seeding,
    emaCheck: r.ema_check && { talibVersion: r.ema_check.talib_version, maxRelativeDifference: r.ema_check.max_relative_difference },
    warnings: r.warnings,
  };
}

interface RawNautilusResult {
  ticks: number;
  seconds: number;
  ticks_per_second: number;
  cpu_seconds: number;
  load_average_1m: number;
  orders: number;
  fills: number;
  peak_rss_mb: number;
  version: string;
  mode: 'none' | 'ema-cross';
  repeat: number;
  instrument: string;
  bars_in_cache: number;
  build_seconds: number;
  log_level: string | null;
  run_analysis: boolean;
  strategy_subscribes_trade_ticks: boolean;
}

/** NautilusTrader's BacktestEngine.run() over `ticks` repeated `repeat` times (workload in tools/peers/README.md). */
export async function runNautilusBench(opts: NautilusBenchOptions): Promise<NautilusBenchResult> {
  if (opts.ticks.length === 0) throw new Error('`ticks` must name at least one trade CSV, was empty');
  if (!(Number.isInteger(opts.repeat) && opts.repeat >= 1)) throw new Error(`\`repeat\` must be an integer >= 1, was ${opts.repeat}`);
  const python = await ensureNautilusVenv();
  const args = ['--ticks', ...opts.ticks.map((t) => resolve(t)), '--repeat', String(opts.repeat), '--mode', opts.mode];
  if (opts.tradeSize !== undefined) args.push('--trade-size', opts.tradeSize);
  if (opts.logLevel !== undefined) args.push('--log-level', opts.logLevel);
  if (opts.analysis) args.push('--analysis');
  if (opts.noTradeTickSubscription) args.push('--no-trade-tick-subscription');
  const r = (await runScript(python, nautilusScript, args)) as RawNautilusResult;
  return {
    ticks: r.ticks,
    seconds: r.seconds,
    ticksPerSecond: r.ticks_per_second,
    cpuSeconds: r.cpu_seconds,
    loadAverage1m: r.load_average_1m,
    orders: r.orders,
    fills: r.fills,
    peakRssMb: r.peak_rss_mb,
    version: r.version,
    mode: r.mode,
    repeat: r.repeat,
    instrument: r.instrument,
    barsInCache: r.bars_in_cache,
    buildSeconds: r.build_seconds,
    logLevel: r.log_level,
    runAnalysis: r.run_analysis,
    strategySubscribesTradeTicks: r.strategy_subscribes_trade_ticks,
  };
}
