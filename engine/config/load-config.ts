// Loads the QuantFlow configuration: config/default.yaml, then `--config FILE` merged over
// it (mappings merge key by key, lists and scalars replace), then QF_ environment
// overrides (env-overrides.ts); validates the result against config-schema.ts with ajv (config-validator.ts) and
// the fusion / sizing checks of engine/decision and the strategy checks of engine/strategy
// (`strategies`, default []). Every error names the key path, the value
// received, the rule and where the value came from.
//
// The defaults file is parsed once per thread and kept while its size and modification time
// stay the same (a sweep's worker loads one configuration per run); each load merges over a
// copy. A configuration already parsed (a sweep run's document) can be given instead of a file
// (`document`): it merges over the defaults like `--config FILE`, errors name its label, and its
// relative paths resolve against its `dir` as a file's resolve against the file's directory.
//
// Relative paths resolved (against the configuration file's directory, or the document's `dir`):
// `data[].path` (also after `store:`; not questdb:// URLs), `model.path`, `model.registry`,
// a fusion strategy's `strategies[].regimeModel` and `live.journal`.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ErrorObject } from 'ajv';
import {
  DecisionConfigError, resolveFusionConfig, resolveSizingConfig, type FusionConfig, type SizingConfig,
} from '../decision/decision-config.js';
import type { RiskSection } from '../risk/index.js';
import { StrategyConfigError, resolveStrategies, type StrategyConfig } from '../strategy/index.js';
import type { AccountSection, ExecutionSection, ExitsSection, OrdersSection, VenueSection } from '../execution/index.js';
import { ConfigError } from './config-error.js';
import { CONFIG_SCHEMA } from './config-schema.js';
import { configValidator } from './config-validator.js';
import { readEnvOverrides, renderPath, type EnvOverride } from './env-overrides.js';
import { YamlSource } from './yaml-source.js';
import { packageRoot } from '../core/package-root.js';
import type { DataSourceConfig } from './data-config.js';
import { resolveModelConfig, type ModelConfig } from './model-config.js';
import { resolveMonitoringConfig, type MonitoringConfig } from './monitoring-config.js';
import { resolveLiveConfig, type LiveConfig } from './live-config.js';

export interface ControlConfig {
  readonly algorithm: 'HS256' | 'EdDSA';
  readonly secret: string | null;
  readonly publicKey: string | null;
  readonly audience: string;
}

export interface QuantFlowConfig {
  readonly risk: RiskSection;
  readonly killSwitch: { readonly statePath: string };
  readonly control: ControlConfig;
  readonly account: AccountSection;
  readonly orders: OrdersSection;
  readonly execution: ExecutionSection;
  readonly exits: ExitsSection;
  readonly venue: VenueSection;
  readonly fusion: FusionConfig;
  readonly sizing: SizingConfig;
  /** Plain rule strategies and fusion strategies with their instruments (engine/strategy); [] = fusion on every instrument, as before. */
  readonly strategies: readonly StrategyConfig[];
  /** The sources a backtest reads without `--data`, with their column mapping; relative paths already resolved against the file that named them. */
  readonly data: readonly DataSourceConfig[];
  /** The quantile model of the ML expert (engine/models), paths resolved; null = fusion without the ML expert. */
  readonly model: ModelConfig | null;
  /** Outgoing webhooks of critical events (monitoring-config.ts). */
  readonly monitoring: MonitoringConfig;
  /** What `quantflow run` connects to and how its session is kept (live-config.ts); null = not configured. */
  readonly live: LiveConfig | null;
}

export interface LoadConfigOptions {
  /** `--config FILE`, merged over the defaults. */
  readonly configFile?: string;
  /**
   * A configuration already parsed, merged over the defaults in place of `configFile` (a sweep
   * run's document, built from the sweep's base file). Errors say the value is `in {label}`.
   */
  readonly document?: ConfigDocumentSource;
  /** Environment to read QF_ overrides from (default: process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** The defaults file (default: config/default.yaml of the package). */
  readonly defaultsFile?: string;
  /**
   * `document` holds the defaults already (a sweep run's document, merged over this package's
   * defaults file by the process that runs it): no defaults file is read or merged, so the
   * thread parses no YAML. Default false.
   */
  readonly documentHoldsDefaults?: boolean;
}

/** config/default.yaml of the package, from source or from dist/. */
export function defaultConfigPath(): string {
  return path.join(packageRoot(), 'config', 'default.yaml');
}

/** A configuration given as a parsed document (LoadConfigOptions.document). */
export interface ConfigDocumentSource {
  readonly value: Record<string, unknown>;
  /** Where the document came from, for error messages ("sweep sw-1 run 3"). */
  readonly label: string;
  /**
   * The directory its relative paths resolve against, as a `--config` file's directory (a sweep
   * run's: the directory of the sweep's base file). Absent: they stay as given (the current
   * directory's), `model` paths made absolute against it.
   */
  readonly dir?: string;
}

/** What an error's origin is looked up in: a parsed YAML file, or a document (no lines). */
interface ConfigSource {
  readonly label: string;
  readonly value: Record<string, unknown>;
  locate(path: readonly (string | number)[]): string | null;
}

/** A document as a source: a key it sets is located at its label (a document has no lines). */
function documentSource(document: ConfigDocumentSource): ConfigSource {
  return {
    label: document.label,
    value: document.value,
    locate: (keys) => (keys.length === 0 || valueAt(document.value, keys) !== undefined ? document.label : null),
  };
}

/** The defaults file parsed, per path, with the size and modification time it had. */
const parsedDefaults = new Map<string, { readonly stamp: string; readonly source: YamlSource }>();

/** The defaults file, parsed once while it is unchanged (its value must be copied before it is modified). */
function readDefaults(file: string): YamlSource {
  let stamp: string;
  try {
    const stat = statSync(file);
    stamp = `${stat.size}:${stat.mtimeMs}:${stat.ino}`;
  } catch {
    return readSource(file, 'defaults file'); // throws the ConfigError naming the file
  }
  const kept = parsedDefaults.get(file);
  if (kept !== undefined && kept.stamp === stamp) return kept.source;
  const source = readSource(file, 'defaults file');
  parsedDefaults.set(file, { stamp, source });
  return source;
}

function readSource(file: string, role: string): YamlSource {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read the ${role} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, '');
  }
  return YamlSource.parse(text, file);
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mergeOver(base: unknown, over: unknown): unknown {
  if (!isMapping(base) || !isMapping(over)) return structuredClone(over);
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = key in base ? mergeOver(base[key], value) : structuredClone(value);
  return out;
}

/**
 * Sets the override's value at its path. A mapping on the way that was absent or not a mapping
 * (`live: null` in the defaults) is created, and its path noted in `created` with the variable:
 * errors inside it (a required key it lacks) come from that variable, not from the file.
 */
function setPath(root: Record<string, unknown>, override: EnvOverride, created: Map<string, string>): void {
  let node: unknown = root;
  const { path: keys, variable } = override;
  for (let i = 0; i < keys.length - 1; i += 1) {
    const key = keys[i];
    const container = node as Record<string | number, unknown>;
    if (typeof key === 'number') {
      if (!Array.isArray(container) || key >= container.length) {
        throw new ConfigError(`environment variable ${variable}: \`${renderPath(keys.slice(0, i + 1))}\` does not exist (the list has ${Array.isArray(container) ? container.length : 0} entries)`, renderPath(keys));
      }
    } else if (typeof container[key] !== 'object' || container[key] === null) {
      container[key] = {};
      const at = renderPath(keys.slice(0, i + 1));
      if (!created.has(at)) created.set(at, variable);
    }
    node = container[key];
  }
  const last = keys[keys.length - 1];
  if (typeof last === 'number' && (!Array.isArray(node) || last >= node.length)) {
    throw new ConfigError(`environment variable ${variable}: \`${renderPath(keys)}\` does not exist (the list has ${Array.isArray(node) ? node.length : 0} entries)`, renderPath(keys));
  }
  (node as Record<string | number, unknown>)[last] = override.value;
}

function pathOf(instancePath: string): (string | number)[] {
  if (instancePath === '') return [];
  return instancePath.slice(1).split('/').map((part) => {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    return /^\d+$/.test(key) ? Number(key) : key;
  });
}

/** The environment variables `live.credentials` names (`env:KEY_VAR/SECRET_VAR`): they hold the API key and secret, not configuration overrides. */
function credentialVariables(merged: Record<string, unknown>): string[] {
  const credentials = isMapping(merged.live) ? merged.live.credentials : undefined;
  const named = typeof credentials === 'string' ? /^env:([A-Za-z_][A-Za-z0-9_]*)\/([A-Za-z_][A-Za-z0-9_]*)$/.exec(credentials) : null;
  return named ? [named[1], named[2]] : [];
}

/** `live.instruments[1].symbol` -> ['live', 'instruments', 1, 'symbol'] */
function keysOf(keyPath: string): (string | number)[] {
  return keyPath.split(/[.[\]]+/).filter((part) => part !== '').map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

function valueAt(root: unknown, keys: readonly (string | number)[]): unknown {
  let node = root;
  for (const key of keys) node = (node as Record<string | number, unknown> | undefined)?.[key];
  return node;
}

function show(value: unknown): string {
  // JSON has no NaN or infinities (JSON.stringify gives "null"): a YAML `.nan` or `.inf` is shown as it is.
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value === undefined ? 'missing' : JSON.stringify(value);
}

function rule(error: ErrorObject, value: unknown): string {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type': {
      const type = Array.isArray(p.type) ? (p.type as string[]).join(' or ') : String(p.type);
      // ajv's number and integer types exclude NaN and the infinities (YAML `.nan`, `.inf`).
      return typeof value === 'number' && !Number.isFinite(value) ? `must be a finite ${type}` : `must be of type ${type}`;
    }
    case 'minimum': return `must be >= ${String(p.limit)}`;
    case 'maximum': return `must be <= ${String(p.limit)}`;
    case 'exclusiveMinimum': return `must be > ${String(p.limit)}`;
    case 'exclusiveMaximum': return `must be < ${String(p.limit)}`;
    case 'enum': return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'minLength': return `must be at least ${String(p.limit)} characters long`;
    case 'maxItems': return `must have at most ${String(p.limit)} entries`;
    default: return error.message ?? error.keyword;
  }
}

/** Loads, merges, overrides and validates the configuration. Throws ConfigError. */
export function loadConfig(options: LoadConfigOptions = {}): QuantFlowConfig {
  if (options.document !== undefined && options.configFile !== undefined) throw new RangeError('loadConfig takes `configFile` or `document`, not both');
  if (options.documentHoldsDefaults && options.document === undefined) throw new RangeError('loadConfig: `documentHoldsDefaults` needs a `document`');
  const defaults: ConfigSource = options.documentHoldsDefaults
    ? { label: options.document!.label, value: {}, locate: () => null }
    : readDefaults(options.defaultsFile ?? defaultConfigPath());
  const file: ConfigSource | null = options.document !== undefined
    ? documentSource(options.document)
    : options.configFile === undefined ? null : readSource(options.configFile, 'config file');
  // The kept defaults are never modified: the merge, the overrides and the validator work on a copy.
  const merged = mergeOver(structuredClone(defaults.value), file?.value ?? {}) as Record<string, unknown>;
  const overrides = readEnvOverrides(options.env ?? process.env, CONFIG_SCHEMA, credentialVariables(merged));
  /** Mappings an override created (path -> variable). */
  const created = new Map<string, string>();
  for (const override of overrides) setPath(merged, override, created);

  /** Where the value at `keys` (or its nearest parent) came from. */
  const origin = (keys: readonly (string | number)[]): string => {
    for (let depth = keys.length; depth >= 0; depth -= 1) {
      const prefix = keys.slice(0, depth);
      const env = overrides.find((o) => renderPath(o.path) === renderPath(prefix));
      if (env) return `from environment variable ${env.variable}`;
      const creator = created.get(renderPath(prefix));
      if (creator !== undefined) return `\`${renderPath(prefix)}\` created by environment variable ${creator}`;
      const at = file?.locate(prefix) ?? defaults.locate(prefix);
      if (at) return `in ${at}`;
    }
    return `in ${file?.label ?? defaults.label}`;
  };

  // The build's precompiled validator, or compiled once per thread on first use (config-validator.ts).
  const validate = configValidator();
  if (!validate(merged)) {
    const messages = (validate.errors ?? []).map((error) => {
      const keys = pathOf(error.instancePath);
      if (error.keyword === 'additionalProperties') {
        const extra = (error.params as { additionalProperty: string }).additionalProperty;
        const full = [...keys, extra];
        return { keyPath: renderPath(full), text: `unknown key \`${renderPath(full)}\` (${origin(full)}): ${keys.length === 0 ? 'the top level' : `\`${renderPath(keys)}\``} has no such key` };
      }
      if (error.keyword === 'required') {
        const missing = [...keys, (error.params as { missingProperty: string }).missingProperty];
        return { keyPath: renderPath(missing), text: `\`${renderPath(missing)}\` is required, was missing (${origin(keys)})` };
      }
      return { keyPath: renderPath(keys), text: `\`${renderPath(keys)}\` ${rule(error, valueAt(merged, keys))}, was ${show(valueAt(merged, keys))} (${origin(keys)})` };
    });
    throw new ConfigError(`invalid configuration:\n  ${messages.map((m) => m.text).join('\n  ')}`, messages[0]?.keyPath ?? '');
  }

  const config = merged as unknown as QuantFlowConfig & { fusion?: object; sizing?: object };
  /** Entries are looked up by id or symbol (the first match wins): a second entry with the same one would be ignored without a word. */
  const unique = <T>(list: readonly T[], listKeys: readonly string[], field: string, key: (entry: T) => unknown): void => {
    const seen = new Map<unknown, number>();
    list.forEach((entry, index) => {
      const previous = seen.get(key(entry));
      if (previous !== undefined) {
        const keys = [...listKeys, index, field];
        throw new ConfigError(`\`${renderPath(keys)}\` must be unique, was ${JSON.stringify(key(entry))}, already used by ${renderPath([...listKeys, previous])} (${origin(keys)})`, renderPath(keys));
      }
      seen.set(key(entry), index);
    });
  };
  unique(config.risk.instruments, ['risk', 'instruments'], 'id', (entry) => entry.id);
  unique(config.risk.instruments, ['risk', 'instruments'], 'symbol', (entry) => entry.symbol);
  unique(config.venue.instruments, ['venue', 'instruments'], 'symbol', (entry) => entry.symbol);
  let fusion: FusionConfig;
  let sizing: SizingConfig;
  try {
    fusion = resolveFusionConfig(config.fusion as Parameters<typeof resolveFusionConfig>[0]);
    sizing = resolveSizingConfig(config.sizing as Parameters<typeof resolveSizingConfig>[0]);
  } catch (error) {
    if (!(error instanceof DecisionConfigError)) throw error;
    const keyPath = /^`([^`]+)`/.exec(error.message)?.[1] ?? '';
    throw new ConfigError(`invalid configuration:\n  ${error.message}`, keyPath);
  }
  let strategies: StrategyConfig[];
  try {
    strategies = resolveStrategies((merged as { strategies?: unknown[] }).strategies, { maxLeverage: config.risk.maxLeverage });
  } catch (error) {
    if (!(error instanceof StrategyConfigError)) throw error;
    throw new ConfigError(`invalid configuration:\n  ${error.message} (${origin(keysOf(error.keyPath))})`, error.keyPath);
  }
  // Paths are relative to the configuration that names them: a `--config` file's directory, or a document's `dir`.
  const dir = options.document !== undefined ? options.document.dir : options.configFile !== undefined ? path.dirname(options.configFile) : undefined;
  strategies = strategies.map((strategy) => (strategy.type === 'fusion' && strategy.regimeModel !== undefined && dir !== undefined && !path.isAbsolute(strategy.regimeModel)
    ? { ...strategy, regimeModel: path.resolve(dir, strategy.regimeModel) }
    : strategy));
  const data = ((merged as { data?: DataSourceConfig[] }).data ?? []).map((source) => ({ ...source, path: resolveDataPath(source.path, dir) }));
  /** The `model` and `live` checks past the schema (one model source, unique live symbols, ...) name where the value came from too. */
  const located = <T>(resolve: () => T): T => {
    try {
      return resolve();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      throw new ConfigError(`${error.message} (${origin(keysOf(error.keyPath))})`, error.keyPath);
    }
  };
  const model = located(() => resolveModelConfig((merged as { model?: Parameters<typeof resolveModelConfig>[0] }).model, dir));
  const live = located(() => resolveLiveConfig((merged as { live?: Parameters<typeof resolveLiveConfig>[0] }).live, dir));
  return { risk: config.risk, killSwitch: config.killSwitch, control: config.control, account: config.account, orders: config.orders, execution: config.execution, exits: config.exits, venue: config.venue, fusion, sizing, strategies, data, model, live, monitoring: resolveMonitoringConfig((merged as { monitoring?: Partial<MonitoringConfig> }).monitoring) };
}

/** A data source's path relative to `dir`, the directory of the configuration that names it (URLs and absolute paths as they are). */
function resolveDataPath(source: string, dir: string | undefined): string {
  if (source.startsWith('questdb://') || dir === undefined) return source;
  const store = source.startsWith('store:');
  const rest = store ? source.slice('store:'.length) : source;
  if (path.isAbsolute(rest)) return source;
  const resolved = path.resolve(dir, rest);
  return store ? `store:${resolved}` : resolved;
}
