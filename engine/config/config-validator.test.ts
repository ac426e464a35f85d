// The configuration validator generated at build time (ajv standalone code) must accept and
// reject exactly what the compiled one does, with the same errors, and must be used only when it
// was generated from the schema this build has. Oracle: ajv compiling CONFIG_SCHEMA in the test.
// The dist/ leg (a worker thread loads the build's generated file and never loads ajv's
// compiler) needs `npm run build:ts` (tsc, then tools/ajv-standalone/generate.mjs).
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { packageRoot } from '../core/package-root.js';
import { CONFIG_SCHEMA } from './config-schema.js';
import { CONFIG_AJV_OPTIONS, configSchemaFingerprint, generateConfigValidatorModule, type ConfigValidateFunction } from './config-validator.js';
import { GENERATED_VALIDATOR_FILE } from './index.js';

const root = packageRoot();
const defaults = parse(readFileSync(path.join(root, 'config', 'default.yaml'), 'utf8')) as Record<string, unknown>;

/** Documents the validator must judge: the defaults, and the defaults broken in several ways. */
function documents(): [string, unknown][] {
  const base = (): Record<string, any> => structuredClone(defaults) as Record<string, any>;
  const withExtra = base(); withExtra.notAKey = 1;
  const missing = base(); delete missing.risk;
  const wrongType = base(); wrongType.risk.maxLeverage = 'ten';
  const negative = base(); negative.risk.maxLeverage = -3;
  const badEnum = base(); badEnum.venue = { ...(badEnum.venue ?? {}), kind: 'nope' };
  const many = base(); many.killSwitch = 'x'; many.account = []; many.orders = null;
  return [['defaults', base()], ['unknown key', withExtra], ['missing section', missing], ['wrong type', wrongType], ['negative', negative], ['bad enum', badEnum], ['several errors', many], ['not an object', 42]];
}

describe('the precompiled configuration validator', () => {
  const text = generateConfigValidatorModule();
  // Evaluated as a CommonJS module whose require() resolves from the package root, as the build's
  // file in dist/engine/config/ resolves `ajv/dist/runtime/...`.
  const require = createRequire(path.join(root, 'package.json'));
  const module = { exports: {} as unknown };
  new Function('module', 'exports', 'require', text)(module, module.exports, require);
  const precompiled = module.exports as ConfigValidateFunction;
  const compiled = new Ajv({ ...CONFIG_AJV_OPTIONS }).compile(CONFIG_SCHEMA);

  it('starts with the fingerprint of the schema, the options and the ajv version', () => {
    expect(text.split('\n')[0]).toBe(`// fingerprint: ${configSchemaFingerprint()}`);
    expect(configSchemaFingerprint()).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each(documents())('judges %s as ajv compiling the schema does, with the same errors', (_name, doc) => {
    const expected = compiled(structuredClone(doc));
    const got = precompiled(structuredClone(doc));
    expect(got).toBe(expected);
    expect(precompiled.errors ?? null).toEqual(compiled.errors ?? null);
  });

  it('accepts the defaults and rejects every broken document', () => {
    const verdicts = documents().map(([name, doc]) => [name, precompiled(doc)]);
    expect(verdicts).toEqual(documents().map(([name]) => [name, name === 'defaults']));
  });
});

describe('the build (dist/)', () => {
  const built = path.join(root, 'dist', 'engine', 'config', 'config-validator.js');
  const generated = path.join(root, 'dist', 'engine', 'config', GENERATED_VALIDATOR_FILE);

  it('loads the generated validator in a worker thread without loading ajv\'s compiler, and gives ConfigError messages as before', () => {
    expect(existsSync(built), 'run npm run build:ts (tsc + tools/ajv-standalone/generate.mjs) first').toBe(true);
    // The generated file must be current (the generator's --check), then a thread loads a bad config through it.
    execFileSync(process.execPath, [path.join(root, 'tools', 'ajv-standalone', 'generate.mjs'), '--check'], { stdio: 'pipe' });
    expect(existsSync(generated)).toBe(true);
    const dir = mkdtempSync(path.join(tmpdir(), 'qf-config-validator-'));
    try {
      const bad = path.join(dir, 'bad.yaml');
      writeFileSync(bad, 'risk:\n  maxLeverage: -3\n');
      const script = `
        const { Worker } = require('node:worker_threads');
        const code = \`
          const { parentPort } = require('node:worker_threads');
          import(${JSON.stringify(path.join(root, 'dist', 'engine', 'config', 'index.js'))}).then((m) => {
            let message = '';
            try { m.loadConfig({ configFile: ${JSON.stringify(bad)}, env: {} }); } catch (e) { message = e.message; }
            const ajvCompiler = Object.keys(require.cache).some((k) => k.includes('/ajv/dist/compile/'));
            parentPort.postMessage({ source: m.configValidatorSource(), ajvCompiler, message });
          });\`;
        const w = new Worker(code, { eval: true });
        w.once('message', (m) => { process.stdout.write(JSON.stringify(m)); w.terminate(); });
        w.once('error', (e) => { console.error(e); process.exit(1); });`;
      const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as { source: string; ajvCompiler: boolean; message: string };
      expect(out.source).toBe('precompiled');
      expect(out.ajvCompiler).toBe(false);
      expect(out.message).toContain('`risk.maxLeverage` must be > 0, was -3 (in ');
      expect(out.message).toContain(bad);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
