// Configuration loading (engine/config): config/default.yaml validated with ajv, `--config FILE`
// merged over it, QF_ environment overrides; every error class names the key path, the value
// received, the rule and the source (file and line, or environment variable).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../engine/config/index.js';
import { DEFAULT_FUSION_CONFIG } from '../engine/decision/decision-config.js';

const dir = mkdtempSync(path.join(tmpdir(), 'qf-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const at = path.join(dir, name);
  writeFileSync(at, text);
  return at;
}

function errorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError, but the configuration loaded');
}

describe('config: defaults', () => {
  it('loads config/default.yaml with the documented limits', () => {
    const config = loadConfig({ env: {} });
    expect(config.risk.maxPositionPct, 'max position per instrument defaults to 25% of equity').toBe(0.25);
    expect(config.risk.maxAssetClassPct, 'asset-class concentration defaults to 30%').toBe(0.3);
    expect(config.risk.maxDrawdownPct, 'the kill switch defaults to a 15% drawdown').toBe(0.15);
    expect(config.control.secret, 'no secret is committed in the defaults').toBeNull();
    expect(config.fusion, 'fusion defaults come from engine/decision').toStrictEqual(DEFAULT_FUSION_CONFIG);
  });
});

describe('config: overrides', () => {
  it('merges --config FILE over the defaults, key by key', () => {
    const config = loadConfig({ env: {}, configFile: file('over.yaml', 'risk:\n  maxDrawdownPct: 0.1\n  orderRate:\n    maxOrders: 50\n') });
    expect(config.risk.maxDrawdownPct, 'value from the file').toBe(0.1);
    expect(config.risk.orderRate, 'sibling keys keep their defaults').toStrictEqual({ maxOrders: 50, windowMs: 1000 });
    expect(config.risk.maxPositionPct, 'untouched keys keep their defaults').toBe(0.25);
  });

  it('applies QF_ environment variables (double underscore = nesting, values parsed as YAML) over the file', () => {
    const config = loadConfig({
      configFile: file('env-base.yaml', 'risk:\n  maxDrawdownPct: 0.1\n'),
      env: {
        QF_RISK__MAX_DRAWDOWN_PCT: '0.12',
        QF_RISK__ORDER_RATE__WINDOW_MS: '2500',
        QF_RISK__INSTRUMENTS: '[{ id: 3, symbol: ETH-USDT, assetClass: crypto, lotSize: 0.001 }]',
        QF_CONTROL_SECRET: '0123456789abcdef0123456789abcdef',
        PATH: '/usr/bin',
      },
    });
    expect(config.risk.maxDrawdownPct, 'the environment wins over the file').toBe(0.12);
    expect(config.risk.orderRate.windowMs, 'nested key, YAML scalar parsed as a number').toBe(2500);
    expect(config.risk.instruments, 'a YAML flow list').toStrictEqual([{ id: 3, symbol: 'ETH-USDT', assetClass: 'crypto', lotSize: 0.001 }]);
    expect(config.control.secret, 'QF_CONTROL_SECRET is the alias of control.secret').toBe('0123456789abcdef0123456789abcdef');
  });
  it('leaves the QF_ variables that are not configuration alone (QF_PYTHON of quantflow train, QF_CONTROL_TOKEN, QF_CRASH_AT)', () => {
    const config = loadConfig({ env: { QF_PYTHON: '/opt/venv/bin/python', QF_CONTROL_TOKEN: 'a.b.c', QF_CRASH_AT: 'after-send:3', QF_RISK__MAX_DRAWDOWN_PCT: '0.1' } });
    expect(config.risk.maxDrawdownPct, 'the configuration variables still apply').toBe(0.1);
  });

  it('takes the variables live.credentials names as credentials, not overrides, even with the QF_ prefix (config/examples/live-coinbase.yaml)', () => {
    const example = fileURLToPath(new URL('../config/examples/live-coinbase.yaml', import.meta.url));
    const config = loadConfig({ configFile: example, env: { QF_CB_KEY: 'organizations/o/apiKeys/k', QF_CB_SECRET: '-----BEGIN EC PRIVATE KEY-----', QF_RISK__MAX_DRAWDOWN_PCT: '0.1' } });
    expect(config.live?.credentials, 'the example names its credential variables').toStrictEqual({ kind: 'env', keyVar: 'QF_CB_KEY', secretVar: 'QF_CB_SECRET' });
    expect(config.risk.maxDrawdownPct, 'other QF_ variables still override').toBe(0.1);
    const other = errorOf(() => loadConfig({ configFile: example, env: { QF_CB_TYPO: 'x' } }));
    expect(other.message, 'a QF_ variable the configuration does not name is still checked').toContain('environment variable QF_CB_TYPO matches no configuration key');
  });

  it('reads every QF_ variable config/default.yaml names as an example (a name that matches no key is refused at start)', () => {
    const defaults = readFileSync(fileURLToPath(new URL('../config/default.yaml', import.meta.url)), 'utf8');
    const named = [...new Set(defaults.match(/\bQF_[A-Z0-9_]*[A-Z0-9]\b/g) ?? [])];
    expect(named, 'the defaults file names its override examples').toEqual(expect.arrayContaining(['QF_RISK__MAX_DRAWDOWN_PCT', 'QF_CONTROL_SECRET']));
    // One webhook listed, so a variable naming webhook 0 has an entry to set.
    const withHook = file('one-hook.yaml', 'monitoring:\n  webhooks:\n    - { url: "https://hooks.example.com/q", events: [fill] }\n');
    for (const variable of named) {
      const value = variable.includes('SECRET') ? 'a-secret-of-at-least-thirty-two-characters' : '0.1';
      let problem = '';
      try {
        loadConfig({ env: { [variable]: value }, configFile: withHook });
      } catch (error) {
        problem = (error as Error).message;
      }
      expect(problem, `${variable}, named in config/default.yaml, must be a variable loadConfig reads`).not.toContain('matches no configuration key');
    }
  });

  it('overrides one entry of a list by index, and rejects an index past its end', () => {
    const base = file('list.yaml', 'risk:\n  instruments:\n    - { id: 1, symbol: A, assetClass: crypto, lotSize: 1 }\n');
    const config = loadConfig({ configFile: base, env: { QF_RISK__INSTRUMENTS__0__STALE_AFTER_MS: '1500' } });
    expect(config.risk.instruments[0], 'the entry keeps its other keys').toStrictEqual({ id: 1, symbol: 'A', assetClass: 'crypto', lotSize: 1, staleAfterMs: 1500 });
    const error = errorOf(() => loadConfig({ configFile: base, env: { QF_RISK__INSTRUMENTS__3__LOT_SIZE: '2' } }));
    expect(error.message).toContain('environment variable QF_RISK__INSTRUMENTS__3__LOT_SIZE: `risk.instruments[3]` does not exist (the list has 1 entries)');
  });
});

describe('config: errors name the key path, the value and the rule', () => {
  it('rejects an unknown key in the config file, naming its path and line', () => {
    const error = errorOf(() => loadConfig({ env: {}, configFile: file('unknown.yaml', 'risk:\n  maxDrawdownPct: 0.1\n  maxDrawdwn: 0.2\n') }));
    expect(error.keyPath).toBe('risk.maxDrawdwn');
    expect(error.message).toContain('unknown key `risk.maxDrawdwn`');
    expect(error.message, 'the file and line of the key').toContain(`${path.join(dir, 'unknown.yaml')} line 3`);
  });

  it('rejects a wrong type, naming the value received', () => {
    const error = errorOf(() => loadConfig({ env: {}, configFile: file('type.yaml', 'risk:\n  orderRate:\n    maxOrders: many\n') }));
    expect(error.keyPath).toBe('risk.orderRate.maxOrders');
    expect(error.message).toContain('`risk.orderRate.maxOrders` must be of type integer, was "many"');
    expect(error.message).toContain('type.yaml line 3');
  });

  it('names a YAML .nan or .inf as the value received, not as null', () => {
    const fromFile = errorOf(() => loadConfig({ env: {}, configFile: file('nan.yaml', 'risk:\n  maxGrossExposure: .nan\n') }));
    expect(fromFile.message, 'a .nan in the file is named as NaN').toContain('`risk.maxGrossExposure` must be a finite number, was NaN (in ');
    expect(fromFile.message).toContain('nan.yaml line 2');
    const fromEnv = errorOf(() => loadConfig({ env: { QF_RISK__MAX_DRAWDOWN_PCT: '-.inf' } }));
    expect(fromEnv.message, 'a -.inf from the environment is named as -Infinity').toContain('`risk.maxDrawdownPct` must be a finite number, was -Infinity (from environment variable QF_RISK__MAX_DRAWDOWN_PCT)');
  });

  it('rejects an out-of-range value from the environment, naming the variable', () => {
    const error = errorOf(() => loadConfig({ env: { QF_RISK__MAX_DRAWDOWN_PCT: '0.9' } }));
    expect(error.keyPath).toBe('risk.maxDrawdownPct');
    expect(error.message).toContain('`risk.maxDrawdownPct` must be <= 0.5, was 0.9 (from environment variable QF_RISK__MAX_DRAWDOWN_PCT)');
  });

  it('blames a section an environment variable created, not the defaults file, for the keys it lacks', () => {
    const error = errorOf(() => loadConfig({ env: { QF_LIVE__JOURNAL: '/tmp/journal' } }));
    expect(error.message, 'live is null in the defaults; the variable made it a section without its required keys').toContain('`live.adapter` is required, was missing (`live` created by environment variable QF_LIVE__JOURNAL)');
    expect(error.message).not.toContain('default.yaml');
  });

  it('rejects a QF_ variable that matches no key, listing the keys it could mean', () => {
    const error = errorOf(() => loadConfig({ env: { QF_RISK__MAX_DRAWDWN_PCT: '0.1' } }));
    expect(error.message).toContain('environment variable QF_RISK__MAX_DRAWDWN_PCT matches no configuration key: `risk` has no key MAX_DRAWDWN_PCT');
    expect(error.message).toContain('MAX_DRAWDOWN_PCT');
  });

  it('refuses to disable the kill switch, the staleness guard or the risk checks', () => {
    for (const [yaml, key] of [
      ['killSwitch:\n  enabled: false\n', 'killSwitch.enabled'],
      ['risk:\n  enabled: false\n', 'risk.enabled'],
      ['risk:\n  staleness: off\n', 'risk.staleness'],
    ] as const) {
      const error = errorOf(() => loadConfig({ env: {}, configFile: file('disable.yaml', yaml) }));
      expect(error.keyPath, `${key} must be an unknown key, not a switch`).toBe(key);
    }
    const zero = errorOf(() => loadConfig({ env: { QF_RISK__MAX_DRAWDOWN_PCT: '0' } }));
    expect(zero.message, 'a zero threshold would disable the kill switch').toContain('`risk.maxDrawdownPct` must be > 0, was 0');
    const stale = errorOf(() => loadConfig({ env: { QF_RISK__DEFAULT_STALE_AFTER_MS: '999999999999' } }));
    expect(stale.message, 'the staleness threshold is capped at one day').toContain('`risk.defaultStaleAfterMs` must be <= 86400000');
  });

  it('rejects a duplicate instrument id, naming the list entry', () => {
    const error = errorOf(() => loadConfig({
      env: {},
      configFile: file('dupe.yaml', 'risk:\n  instruments:\n    - { id: 1, symbol: A, assetClass: crypto, lotSize: 1 }\n    - { id: 1, symbol: B, assetClass: fx, lotSize: 1 }\n'),
    }));
    expect(error.keyPath).toBe('risk.instruments[1].id');
    expect(error.message).toContain('must be unique, was 1');
  });

  it('rejects an instrument symbol listed twice in risk.instruments or venue.instruments, whose second entry would be ignored', () => {
    const risk = errorOf(() => loadConfig({
      env: {},
      configFile: file('dupe-symbol.yaml', 'risk:\n  instruments:\n    - { id: 0, symbol: BTCUSDT, assetClass: crypto, lotSize: 0.001 }\n    - { id: 1, symbol: BTCUSDT, assetClass: crypto, lotSize: 1 }\n'),
    }));
    expect(risk.keyPath).toBe('risk.instruments[1].symbol');
    expect(risk.message, 'the second entry is named with the first it repeats, its file and line').toContain('`risk.instruments[1].symbol` must be unique, was "BTCUSDT", already used by risk.instruments[0] (in ');
    expect(risk.message).toContain('dupe-symbol.yaml line 4');
    const venue = errorOf(() => loadConfig({
      env: {},
      configFile: file('dupe-venue.yaml', 'venue:\n  instruments:\n    - { symbol: ETHUSDT, takerFee: 0.0004 }\n    - { symbol: ETHUSDT, takerFee: 0.002 }\n'),
    }));
    expect(venue.keyPath).toBe('venue.instruments[1].symbol');
    expect(venue.message).toContain('`venue.instruments[1].symbol` must be unique, was "ETHUSDT", already used by venue.instruments[0]');
  });

  it('names the file and line of a live or model section that breaks a rule past the schema', () => {
    const duplicate = errorOf(() => loadConfig({ env: {}, configFile: file('live-dup.yaml', 'live:\n  adapter: ccxt\n  instruments:\n    - { symbol: BTC/USDT }\n    - { symbol: BTC/USDT }\n') }));
    expect(duplicate.keyPath).toBe('live.instruments[1].symbol');
    expect(duplicate.message, 'the second symbol is named with its file and line').toContain('`live.instruments[1].symbol` must be unique, was "BTC/USDT" twice (in ');
    expect(duplicate.message).toContain('live-dup.yaml line 5');
    const ib = errorOf(() => loadConfig({ env: {}, configFile: file('live-ib.yaml', 'live:\n  adapter: ib\n  instruments:\n    - { symbol: AAPL }\n') }));
    expect(ib.message, 'a missing live.ib names the live section of the file').toContain('live-ib.yaml line 2');
    const model = errorOf(() => loadConfig({ env: {}, configFile: file('model-none.yaml', 'model:\n  instruments: [BTCUSDT]\n') }));
    expect(model.message, 'a model without a source names the model section of the file').toContain('model-none.yaml line 2');
  });

  it('rejects a bad asset class inside a list, naming the index', () => {
    const error = errorOf(() => loadConfig({ env: {}, configFile: file('class.yaml', 'risk:\n  instruments:\n    - { id: 1, symbol: A, assetClass: shares, lotSize: 1 }\n') }));
    expect(error.keyPath).toBe('risk.instruments[0].assetClass');
    expect(error.message).toContain('must be one of "crypto"');
    expect(error.message).toContain('was "shares"');
  });

  it('names the file, line and column of a YAML syntax error', () => {
    const bad = file('syntax.yaml', 'risk:\n  maxDrawdownPct: [0.1\n');
    const error = errorOf(() => loadConfig({ env: {}, configFile: bad }));
    expect(error.message).toMatch(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: invalid YAML`));
  });

  it('names the missing config file', () => {
    const error = errorOf(() => loadConfig({ env: {}, configFile: path.join(dir, 'absent.yaml') }));
    expect(error.message).toContain(`cannot read the config file ${path.join(dir, 'absent.yaml')}: ENOENT`);
  });

  it('reports errors of the fusion and sizing sections with their key paths', () => {
    const error = errorOf(() => loadConfig({ env: { QF_FUSION__CHOPPY_REDUCTION: '2' } }));
    expect(error.keyPath).toBe('fusion.choppyReduction');
    expect(error.message).toContain('was 2');
  });
});

describe('config: a parsed document, and the defaults parsed once', () => {
  it('merges a document over the defaults like a file, and names its label in errors', () => {
    const config = loadConfig({ env: {}, document: { value: { risk: { maxDrawdownPct: 0.1, orderRate: { maxOrders: 50 } } }, label: 'sweep sw-1 run 3' } });
    expect(config.risk.maxDrawdownPct, 'value from the document').toBe(0.1);
    expect(config.risk.orderRate, 'sibling keys keep their defaults').toStrictEqual({ maxOrders: 50, windowMs: 1000 });
    const wrong = errorOf(() => loadConfig({ env: {}, document: { value: { risk: { maxLeverage: -3 } }, label: 'sweep sw-1 run 3' } }));
    expect(wrong.message).toContain('`risk.maxLeverage` must be > 0, was -3 (in sweep sw-1 run 3)');
    const unknown = errorOf(() => loadConfig({ env: {}, document: { value: { risk: { bogus: 1 } }, label: 'sweep sw-1 run 4' } }));
    expect(unknown.message).toContain('unknown key `risk.bogus` (in sweep sw-1 run 4)');
    const document = { risk: { maxDrawdownPct: 0.1 } };
    loadConfig({ env: { QF_RISK__MAX_LEVERAGE: '2' }, document: { value: document, label: 'doc' } });
    expect(document, 'the document is not modified').toStrictEqual({ risk: { maxDrawdownPct: 0.1 } });
  });

  it('keeps no override or merge of one load in the kept defaults, and re-reads a defaults file that changed', () => {
    const minimal = (config: { risk: { maxDrawdownPct: number } }): number => config.risk.maxDrawdownPct;
    const full = file('full-defaults.yaml', readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'config', 'default.yaml'), 'utf8'));
    expect(minimal(loadConfig({ defaultsFile: full, env: { QF_RISK__MAX_DRAWDOWN_PCT: '0.2' } })), 'the environment applies').toBe(0.2);
    expect(minimal(loadConfig({ defaultsFile: full, env: {} })), 'the previous load\'s override did not stay in the kept defaults').toBe(0.15);
    expect(minimal(loadConfig({ defaultsFile: full, env: {}, document: { value: { risk: { maxDrawdownPct: 0.05 } }, label: 'doc' } }))).toBe(0.05);
    expect(minimal(loadConfig({ defaultsFile: full, env: {} })), 'nor did the previous load\'s document').toBe(0.15);
    writeFileSync(full, readFileSync(full, 'utf8').replace('maxDrawdownPct: 0.15 ', 'maxDrawdownPct: 0.125 '));
    expect(minimal(loadConfig({ defaultsFile: full, env: {} })), 'a defaults file rewritten since the last load is parsed again').toBe(0.125);
  });

  it('resolves a document\'s relative paths against its `dir` exactly as a config file\'s against the file\'s directory', () => {
    const text = [
      'strategies:',
      '  - { name: f, type: fusion, instruments: [BTCUSDT], regimeModel: regime/btc.json }',
      '  - { name: g, type: fusion, instruments: [ETHUSDT], regimeModel: /abs/eth.json }',
      'data:',
      '  - { path: bars/btc.csv }',
      '  - { path: "store:ticks/lmdb" }',
      '  - { path: "questdb://127.0.0.1:9000/ticks" }',
      'model: { path: ../models/q5 }',
      '',
    ].join('\n');
    const viaFile = loadConfig({ env: {}, configFile: file('relative.yaml', text) });
    const viaDocument = loadConfig({ env: {}, document: { value: { strategies: [{ name: 'f', type: 'fusion', instruments: ['BTCUSDT'], regimeModel: 'regime/btc.json' }, { name: 'g', type: 'fusion', instruments: ['ETHUSDT'], regimeModel: '/abs/eth.json' }], data: [{ path: 'bars/btc.csv' }, { path: 'store:ticks/lmdb' }, { path: 'questdb://127.0.0.1:9000/ticks' }], model: { path: '../models/q5' } }, label: 'doc', dir } });
    const paths = (config: typeof viaFile) => ({
      regime: config.strategies.map((s) => (s.type === 'fusion' ? s.regimeModel : null)),
      data: config.data.map((d) => d.path),
      model: config.model?.path,
    });
    const expected = {
      regime: [path.join(dir, 'regime', 'btc.json'), '/abs/eth.json'],
      data: [path.join(dir, 'bars', 'btc.csv'), `store:${path.join(dir, 'ticks', 'lmdb')}`, 'questdb://127.0.0.1:9000/ticks'],
      model: path.join(path.dirname(dir), 'models', 'q5'),
    };
    expect(paths(viaFile), 'a --config file: against its directory').toStrictEqual(expected);
    expect(paths(viaDocument), 'a document with `dir`: the same paths').toStrictEqual(expected);
    const registry = loadConfig({ env: {}, document: { value: { model: { registry: 'registry', promoted: 'btc' } }, label: 'doc', dir } });
    expect(registry.model?.registry, '`model.registry` too').toBe(path.join(dir, 'registry'));
    const noDir = loadConfig({ env: {}, document: { value: { strategies: [{ name: 'f', type: 'fusion', instruments: ['BTCUSDT'], regimeModel: 'regime/btc.json' }] }, label: 'doc' } });
    expect(noDir.strategies[0].type === 'fusion' && noDir.strategies[0].regimeModel, 'without `dir`: as given (the current directory\'s)').toBe('regime/btc.json');
  });

  it('refuses a document together with a config file', () => {
    expect(() => loadConfig({ env: {}, configFile: file('both.yaml', 'risk: {}\n'), document: { value: {}, label: 'doc' } })).toThrow(/`configFile` or `document`, not both/);
  });
});
