// The `model` section (engine/config/model-config.ts): absent by default, one model source
// (a directory or a registry version), paths relative to the configuration file, defaults for
// the wait bound and the monitors, and errors that name the key and the rule.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_MODEL_MONITOR, DEFAULT_MODEL_WAIT_MS, loadConfig } from '../engine/config/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'qf-config-model-'));
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

describe('config: model', () => {
  it('is null by default (fusion without the ML expert)', () => {
    expect(loadConfig({ env: {} }).model).toBeNull();
  });

  it('resolves a model directory against the configuration file and fills the defaults', () => {
    const config = loadConfig({ env: {}, configFile: file('a.yaml', 'model:\n  path: models/btc\n  instruments: [BTCUSDT]\n') });
    expect(config.model).toStrictEqual({ path: path.join(dir, 'models/btc'), instruments: ['BTCUSDT'], waitMs: DEFAULT_MODEL_WAIT_MS, threads: 1, monitor: DEFAULT_MODEL_MONITOR });
  });

  it('takes a registry version or a promoted strategy, and merges monitor keys over the defaults', () => {
    const byVersion = loadConfig({ env: {}, configFile: file('b.yaml', 'model:\n  registry: reg\n  version: 0123abcd\n  waitMs: 50\n  monitor: { driftAlertPsi: 0.4 }\n') });
    expect(byVersion.model).toMatchObject({ registry: path.join(dir, 'reg'), version: '0123abcd', waitMs: 50, monitor: { ...DEFAULT_MODEL_MONITOR, driftAlertPsi: 0.4 } });
    const byPromotion = loadConfig({ env: {}, configFile: file('c.yaml', 'model:\n  registry: /abs/reg\n  promoted: btc-fusion\n') });
    expect(byPromotion.model).toMatchObject({ registry: '/abs/reg', promoted: 'btc-fusion' });
  });

  it('refuses no source, two sources, a registry without a version and a path with one', () => {
    expect(errorOf(() => loadConfig({ env: {}, configFile: file('d.yaml', 'model:\n  waitMs: 10\n') })).message).toContain('`model` must name one model source, `model.path` or `model.registry`, was neither');
    expect(errorOf(() => loadConfig({ env: {}, configFile: file('e.yaml', 'model:\n  path: m\n  registry: r\n  version: abcdef01\n') })).message).toContain('was both');
    expect(errorOf(() => loadConfig({ env: {}, configFile: file('f.yaml', 'model:\n  registry: r\n') })).keyPath).toBe('model.registry');
    expect(errorOf(() => loadConfig({ env: {}, configFile: file('g.yaml', 'model:\n  path: m\n  promoted: s\n') })).message).toContain('`model.promoted` applies to `model.registry`');
  });

  it('names the key, the value and the rule of a schema error', () => {
    const error = errorOf(() => loadConfig({ env: {}, configFile: file('h.yaml', 'model:\n  path: m\n  waitMs: -1\n') }));
    expect(error.message).toContain('`model.waitMs` must be >= 0, was -1 (in ');
    const unknown = errorOf(() => loadConfig({ env: {}, configFile: file('i.yaml', 'model:\n  path: m\n  wait: 5\n') }));
    expect(unknown.message).toContain('unknown key `model.wait`');
  });
});
