// A run's configuration: the base configuration file merged over config/default.yaml (as
// engine/config merges: mappings key by key, lists and scalars replace), the spec's `set`
// templates applied with the run's parameters, and `data` dropped (a sweep's data is the
// spec's). The document is built once per run where the sweep is planned and travels to the
// worker as JSON, so every worker, on any machine, runs the same configuration. The worker
// validates it through engine/config's loadConfig as a parsed document (merged over the
// defaults like a `--config` file, no QF_ environment overrides; errors name the run), so a
// run parses no YAML: the defaults file is parsed once per thread. The document's relative
// paths (a fusion strategy's `regimeModel`, `model.path`, `model.registry`) resolve against the
// base file's directory (baseDirectory), which travels with the run: the same files a
// `quantflow backtest --config BASE` run reads, at the same absolute paths on every worker.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { defaultConfigPath, loadConfig, type QuantFlowConfig } from '../../config/index.js';
import { setAtPath } from './key-path.js';
import type { Parameters, ParameterValue } from './constraint-expression.js';
import type { SweepSetting } from './sweep-spec.js';
import { SweepSpecError } from './sweep-errors.js';

export type ConfigDocument = Record<string, unknown>;

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mergeOver(base: unknown, over: unknown): unknown {
  if (!isMapping(base) || !isMapping(over)) return structuredClone(over);
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = key in base ? mergeOver(base[key], value) : structuredClone(value);
  return out;
}

/** The base file merged over the defaults, without `data`. Throws SweepSpecError when the base cannot be read. */
export function readBaseDocument(baseFile: string, defaultsFile: string = defaultConfigPath()): ConfigDocument {
  const read = (file: string, role: string): ConfigDocument => {
    let value: unknown;
    try {
      value = parse(readFileSync(file, 'utf8')) ?? {};
    } catch (error) {
      throw new SweepSpecError(`invalid sweep spec: \`base\` cannot be read as the ${role} (${file}): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message.split('\n')[0]}`, 'base');
    }
    // The kind of value only: the file may not be a configuration at all (its text stays out of the message).
    if (!isMapping(value)) throw new SweepSpecError(`invalid sweep spec: \`base\` must be a configuration mapping, ${file} holds ${Array.isArray(value) ? 'a list' : value === null ? 'nothing' : `a ${typeof value}`}`, 'base');
    return value;
  };
  const merged = mergeOver(read(defaultsFile, 'defaults file'), read(baseFile, 'base configuration')) as ConfigDocument;
  delete merged.data;
  return merged;
}

/** The directory a run's relative paths resolve against: the base file's, as for `--config BASE`. */
export function baseDirectory(baseFile: string): string {
  return path.dirname(path.resolve(baseFile));
}

/** `template` with `{name}` replaced; a template that is exactly one `{name}` keeps the value's type. */
export function fillTemplate(template: ParameterValue, parameters: Parameters): ParameterValue {
  if (typeof template !== 'string') return template;
  const whole = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(template);
  if (whole) return parameters[whole[1]];
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => String(parameters[name]));
}

/** The run's configuration document: `base` (not mutated) with every setting applied. */
export function runDocument(base: ConfigDocument, settings: readonly SweepSetting[], parameters: Parameters): ConfigDocument {
  const doc = structuredClone(base);
  for (const setting of settings) {
    try {
      setAtPath(doc, setting.keys, fillTemplate(setting.template, parameters));
    } catch (error) {
      throw new SweepSpecError(`invalid sweep spec: \`set.${setting.path}\`: ${(error as Error).message}`, `set.${setting.path}`);
    }
  }
  return doc;
}

/**
 * Validates a run's document through engine/config (no environment overrides); `dir` is the
 * directory its relative paths resolve against (baseDirectory; absent: the current directory);
 * `label` names it in errors (default "the sweep run's configuration"). `holdsDefaults`: the
 * document was built over this process's own defaults file (a local pool's run), so it is not
 * merged over them again and the thread reads no YAML (a queue worker, maybe another version on
 * another machine, merges over its own). Throws ConfigError.
 */
export function loadRunConfig(doc: ConfigDocument, dir: string | undefined, label = "the sweep run's configuration", holdsDefaults = false): QuantFlowConfig {
  return loadConfig({ document: { value: doc, label, ...(dir !== undefined ? { dir } : {}) }, env: {}, documentHoldsDefaults: holdsDefaults });
}
