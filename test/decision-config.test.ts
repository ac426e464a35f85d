// The fusion and sizing config sections: defaults satisfy the JSON-Schema fragments (ajv) and
// the checks, bad values are rejected naming the field, the value and the rule, partial
// sections merge over the defaults, and compiling against a plan maps tokens to value indices.
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_FUSION_CONFIG, DEFAULT_SIZING_CONFIG, FUSION_CONFIG_SCHEMA, SIZING_CONFIG_SCHEMA, compileDecisionProgram, decisionTokens,
  resolveFusionConfig, resolveSizingConfig,
} from '../engine/decision/index.js';
import { buildPlan } from '../engine/indicators/index.js';

const ajv = new Ajv({ allErrors: true });
const fusionValid = ajv.compile(FUSION_CONFIG_SCHEMA);
const sizingValid = ajv.compile(SIZING_CONFIG_SCHEMA);

describe('decision config sections', () => {
  it('accepts the defaults with the schema fragments and the checks', () => {
    expect(fusionValid(DEFAULT_FUSION_CONFIG), JSON.stringify(fusionValid.errors)).toBe(true);
    expect(sizingValid(DEFAULT_SIZING_CONFIG), JSON.stringify(sizingValid.errors)).toBe(true);
    expect(resolveFusionConfig(), 'no overrides gives the defaults').toEqual(DEFAULT_FUSION_CONFIG);
    expect(resolveSizingConfig().targetAnnualVolatility, 'volatility target default').toBe(0.15);
    expect(resolveFusionConfig().choppyReduction, 'choppy reduction default').toBe(0.7);
  });

  it('rejects out-of-range values in the schema', () => {
    expect(fusionValid({ choppyReduction: 1.5 }), 'choppyReduction above 1').toBe(false);
    expect(fusionValid({ rules: [{ kind: 'macd', family: 'trend', weight: 1, inputs: {}, params: {} }] }), 'unknown rule kind').toBe(false);
    expect(sizingValid({ method: 'martingale' }), 'unknown sizing method').toBe(false);
    expect(sizingValid({ targetAnnualVolatility: 0 }), 'zero volatility target').toBe(false);
    expect(sizingValid({ leverage: 2 }), 'unknown key').toBe(false);
  });

  it('names the field, the value and the rule in check messages', () => {
    expect(() => resolveFusionConfig({ choppyReduction: -0.1 })).toThrow('`fusion.choppyReduction` must be a number in [0, 1], was -0.1');
    expect(() => resolveFusionConfig({ weights: { trending: { ml: -1 } } } as never)).toThrow('`fusion.weights.trending.ml` must be a finite number >= 0, was -1');
    expect(() => resolveFusionConfig({ rules: [{ kind: 'trendCross', family: 'trend', weight: 1, inputs: { fast: 'ema:12', slow: 'ema:26' }, params: { adxFloor: 20, adxSpan: 20, spreadScale: 0.01 } }] }))
      .toThrow('`fusion.rules[0].inputs.adx` must be an indicator token or bar field, was undefined');
    expect(() => resolveFusionConfig({ rules: [{ kind: 'bandReversion', family: 'meanReversion', weight: 1, inputs: { percentB: 'bb:20:2.pctb', rsi: 'rsi:14' }, params: { rsiLow: 80, rsiHigh: 70, rsiSpan: 10 } }] }))
      .toThrow('`fusion.rules[0].params.rsiLow` must be <= rsiHigh (70), was 80');
    expect(() => resolveFusionConfig({ sentiment: { sources: [{ id: 64, weight: 1 }] } } as never)).toThrow('`fusion.sentiment.sources[0].id` must be an integer in [0, 64), was 64');
    expect(() => resolveSizingConfig({ method: 'kelly' as never })).toThrow('`sizing.method` must be one of volatilityTarget, fixedFractional, cappedKelly, atrStop, was "kelly"');
    expect(() => resolveSizingConfig({ strategies: { swing: { maxLeverage: 0 } } })).toThrow('`sizing.strategies.swing.maxLeverage` must be a finite number > 0, was 0');
  });

  it('merges a partial section over the defaults, replacing lists', () => {
    const fusion = resolveFusionConfig({ weights: { choppy: { sentiment: 0 } }, rules: [] } as never);
    expect(fusion.weights.choppy, 'one weight changed').toEqual({ ...DEFAULT_FUSION_CONFIG.weights.choppy, sentiment: 0 });
    expect(fusion.weights.trending, 'others kept').toEqual(DEFAULT_FUSION_CONFIG.weights.trending);
    expect(fusion.rules, 'rules replaced').toEqual([]);
  });

  it('compiles rule inputs to the plan value indices and names a token the plan lacks', () => {
    const fusion = resolveFusionConfig();
    const sizing = resolveSizingConfig({ method: 'atrStop' });
    const tokens = decisionTokens(fusion, sizing);
    expect(tokens, 'tokens fusion and sizing read').toEqual(['rvol:20', 'ema:12', 'ema:26', 'adx:14.adx', 'bb:20:2.pctb', 'rsi:14', 'donchian:20.upper@lag:1', 'donchian:20.lower@lag:1', 'relvol:20', 'atr:14']);
    const plan = buildPlan(tokens);
    const program = compileDecisionProgram(fusion, sizing, plan);
    const index = (token: string) => plan.columns[plan.tokens.get(token)![0]].valueIndex;
    expect(program.rules[0].inputs, 'trend rule reads fast, slow, adx').toEqual([index('ema:12'), index('ema:26'), index('adx:14.adx'), 0]);
    expect(program.rules[2].inputs[0], 'the breakout rule reads the close bar field').toBe(3);
    expect(program.volValue, 'realised volatility value').toBe(index('rvol:20'));
    expect(() => compileDecisionProgram(fusion, sizing, buildPlan(['rvol:20']))).toThrow('`fusion.rules[0].inputs.fast` token `ema:12` is not in the indicator plan');
    const multi = resolveFusionConfig({ rules: [{ kind: 'linear', family: 'trend', weight: 1, inputs: { value: 'adx:14' }, params: { center: 0, scale: 1 } }] });
    expect(() => compileDecisionProgram(multi, sizing, buildPlan(['adx:14', 'rvol:20', 'atr:14']))).toThrow('token `adx:14` has 3 outputs: select one (adx:14.adx, adx:14.plusdi, adx:14.minusdi)');
  });
});
