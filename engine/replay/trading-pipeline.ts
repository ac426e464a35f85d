// The trading pipeline of a run: for instruments with known bar intervals, the per-bar stages
// (indicators, the regime filter, fusion and sizing or a plain rule strategy, the order stage,
// risk and execution) from a loaded configuration, for a backtest (simulated venue in the core)
// or a live session (the core's orders leave for a venue). One place, so a backtest and a live
// session of the same configuration run the same stages.
//
// Which strategy trades an instrument comes from `strategies` (engine/strategy): the one that
// lists its symbol, else the one without a list. With `strategies: []` every instrument trades
// fusion with the run's regime model, as before strategies existed. `model.instruments` must name
// instruments of the run, like `strategies[].instruments`.
import { checkModelInstruments, type QuantFlowConfig } from '../config/index.js';
import { readRegimeModelFile, type RegimeModelRecord } from '../regime/index.js';
import type { PipelineInstrument, PipelineSpec } from '../pipeline/index.js';
import { executionFromConfig } from '../execution/index.js';
import { assignStrategies, type StrategyConfig } from '../strategy/index.js';
import { replayRisk } from './replay-risk.js';


export interface TradingPipelineInput {
  readonly config: QuantFlowConfig;
  readonly instrumentNames: readonly string[];
  /** Each instrument's bar timeframe (volatility is annualised with it). */
  readonly timeframes: readonly (string | undefined)[];
  /**
   * The run's regime model (`--regime-model`): needed when some instrument trades fusion without
   * a `regimeModel` of its strategy (always, with `strategies: []`). Rule instruments are filtered
   * with it too when given, which labels their EQUITY records; it does not change their trades.
   */
  readonly regimeModel?: RegimeModelRecord;
  /** Reads a fusion strategy's `regimeModel` file (default: readRegimeModelFile, relative to the working directory). */
  readonly readRegimeModel?: (path: string) => RegimeModelRecord;
  readonly indicators: readonly string[];
  readonly equity: number;
  /** Account start, ns (the first UTC day of the daily-loss limit). */
  readonly startNs: bigint;
  readonly halted: boolean;
  /** true: the core's simulated venue fills the orders (backtest, paper); false: they leave on the outbound ring. */
  readonly simulate: boolean;
  /** One EQUITY record per bar and instrument on the outbound ring (PipelineSpec.equityRecords; backtest reports). Default false. */
  readonly equityRecords?: boolean;
  /** The first order id the core gives (default 1; a live journal's range: engine/live OrderIdRange). */
  readonly firstOrderId?: bigint;
}

export interface TradingPipeline {
  readonly spec: PipelineSpec;
  /** Instruments whose risk terms came from risk.replayDefaults. */
  readonly defaulted: readonly string[];
  /** Per instrument id: the name of the strategy that trades it (undefined: none, or fusion with `strategies: []`). */
  readonly strategyOf: readonly (string | undefined)[];
}

/** The pipeline, the instruments whose risk terms came from risk.replayDefaults, and who trades what. Throws on a bad execution, strategy or model.instruments config. */
export function tradingPipeline(input: TradingPipelineInput): TradingPipeline {
  const { config, instrumentNames } = input;
  const { risk, defaulted } = replayRisk(config.risk, instrumentNames, { cash: input.equity, startNs: input.startNs, halted: input.halted });
  const execution = executionFromConfig(config, instrumentNames.map((symbol, instrument) => ({ instrument, symbol })), { simulate: input.simulate, ...(input.firstOrderId !== undefined ? { firstOrderId: input.firstOrderId } : {}) });
  const strategies = config.strategies ?? [];
  const decision = { fusion: config.fusion, sizing: config.sizing, equity: input.equity };
  const extra = input.equityRecords ? { equityRecords: true } : {};
  if (strategies.length === 0) {
    if (!input.regimeModel) throw new RangeError('a regime model is needed: with `strategies: []` every instrument trades fusion, which blends expert weights by the filtered regime probabilities');
    checkModelInstruments(config.model, instrumentNames);
    const instruments = input.timeframes.map((timeframe, instrument) => ({ instrument, regimeModel: input.regimeModel, timeframe }));
    return { spec: { indicators: input.indicators, instruments, decision, risk, execution, ...extra }, defaulted, strategyOf: instrumentNames.map(() => undefined) };
  }
  const assigned = assignStrategies(strategies, instrumentNames);
  checkQuantitiesAgainstLots(config, strategies, assigned, instrumentNames);
  checkModelInstruments(config.model, instrumentNames);
  const readModel = input.readRegimeModel ?? readRegimeModelFile;
  const models = new Map<string, RegimeModelRecord>();
  let fusion = false;
  const instruments = input.timeframes.map((timeframe, instrument): PipelineInstrument => {
    const strategy = assigned[instrument];
    if (!strategy) return { instrument, timeframe };
    if (strategy.type === 'rules') return { instrument, timeframe, rules: strategy, ...(input.regimeModel ? { regimeModel: input.regimeModel } : {}) };
    let regimeModel = input.regimeModel;
    if (strategy.regimeModel !== undefined) {
      regimeModel = models.get(strategy.regimeModel);
      if (!regimeModel) {
        try {
          regimeModel = readModel(strategy.regimeModel);
        } catch (error) {
          throw new RangeError(`strategy \`${strategy.name}\`: \`regimeModel\` ${JSON.stringify(strategy.regimeModel)}: ${(error as Error).message}`);
        }
        models.set(strategy.regimeModel, regimeModel);
      }
    }
    if (!regimeModel) throw new RangeError(`strategy \`${strategy.name}\` (type fusion) trades ${instrumentNames[instrument]} and needs a regime model: set its \`regimeModel\` or give the run one (--regime-model)`);
    fusion = true;
    return { instrument, timeframe, regimeModel };
  });
  return {
    spec: { indicators: input.indicators, instruments, ...(fusion ? { decision } : {}), equity: input.equity, risk, execution, ...extra },
    defaulted,
    strategyOf: assigned.map((strategy) => strategy?.name),
  };
}

/**
 * A fixed `size.quantity` below half an instrument's lot size rounds to 0 lots in the order stage
 * (whole lots, to the nearest): the strategy would never send an order and the run would end with
 * 0 trades and no word why. Refused, naming the strategy, the instrument and where its lot size is set.
 */
function checkQuantitiesAgainstLots(config: QuantFlowConfig, strategies: readonly StrategyConfig[], assigned: readonly (StrategyConfig | undefined)[], instrumentNames: readonly string[]): void {
  assigned.forEach((strategy, instrument) => {
    if (strategy?.type !== 'rules' || !('quantity' in strategy.size)) return;
    const symbol = instrumentNames[instrument];
    const listed = config.risk.instruments.findIndex((entry) => entry.symbol === symbol);
    const lotSize = listed >= 0 ? config.risk.instruments[listed].lotSize : config.risk.replayDefaults.lotSize;
    const quantity = strategy.size.quantity;
    if (Math.floor(quantity / lotSize + 0.5) >= 1) return;
    const where = listed >= 0 ? `risk.instruments[${listed}].lotSize` : 'risk.replayDefaults.lotSize';
    throw new RangeError(
      `\`strategies[${strategies.indexOf(strategy)}].size.quantity\` (${strategy.name}) is ${quantity}, less than half the lot size of ${symbol} (${lotSize}, ${where}): every order would round to 0 lots and nothing would trade; give a quantity of at least one lot or a smaller lot size`,
    );
  });
}

/** Each named strategy's instrument ids, from a pipeline's instrument -> strategy name (`strategyOf`): what an operator pauses by name. */
export function instrumentsByStrategy(strategyOf: readonly (string | undefined)[]): Map<string, number[]> {
  const byName = new Map<string, number[]>();
  strategyOf.forEach((name, instrument) => {
    if (name === undefined) return;
    const instruments = byName.get(name) ?? [];
    instruments.push(instrument);
    byName.set(name, instruments);
  });
  return byName;
}
