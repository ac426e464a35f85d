// The sweep spec (YAML), validated with ajv; every error names the key path, the value
// received and the rule, and the file it came from:
//
//   base: ../config/examples/ema-cross.yaml     # configuration every run starts from (relative to this file)
//   data: [../data/binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv]   # as `quantflow backtest --data`
//   equity: 100000                               # optional, default 100000
//   reserve: 0.2                                 # optional, default 0.2: the data's most recent fraction is the
//                                                #   final reserve no run reads without `--final` (as walkforward)
//   barTimeframe: 1m                             # optional: bars built from tick data (as --bar-timeframe)
//   parameters:                                  # name -> values (a list) or a range
//     fast: [5, 8, 10, 12, 15, 20, 25, 30]
//     slow: { min: 20, max: 100, step: 10 }      # step optional for random search (then continuous)
//   set:                                         # config key paths -> templates over the parameters
//     strategies[0].long.entry: "ema:{fast} >= ema:{slow}"
//     venue.latency.seed: "{seed}"               # a template that is one `{name}` keeps the value's type
//   constraints: ["fast < slow"]                 # optional; combinations that fail one are skipped and reported
//   search: { method: grid }                     # or { method: random, runs: 64, seed: 1 }
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { LineCounter, parseDocument } from 'yaml';
import { SweepSpecError } from './sweep-errors.js';
import { parseKeyPath, type KeyPath } from './key-path.js';
import { compileConstraint, type ParameterValue } from './constraint-expression.js';

export type ParameterDomain =
  | { readonly kind: 'values'; readonly values: readonly ParameterValue[] }
  | { readonly kind: 'range'; readonly min: number; readonly max: number; readonly step?: number };

export interface SweepParameter {
  readonly name: string;
  readonly domain: ParameterDomain;
  /** The discrete values (a list, or a range with a step); undefined for a continuous range. */
  readonly values?: readonly ParameterValue[];
}

export interface SweepSetting {
  readonly path: string;
  readonly keys: KeyPath;
  readonly template: ParameterValue;
}

export type SweepSearch = { readonly method: 'grid' } | { readonly method: 'random'; readonly runs: number; readonly seed: number };

export interface SweepSpec {
  /** The spec file (absolute), or a label for a spec given as text. */
  readonly file: string;
  /** The base configuration file, absolute. */
  readonly base: string;
  /** Data sources, relative paths resolved against the spec file. */
  readonly data: readonly string[];
  readonly equity: number;
  /** The most recent fraction of the data's time range held back as the final reserve (default 0.2). */
  readonly reserve: number;
  readonly barTimeframe?: string;
  readonly parameters: readonly SweepParameter[];
  readonly set: readonly SweepSetting[];
  readonly constraints: readonly string[];
  readonly search: SweepSearch;
}

/** The final reserve a spec without `reserve` holds back (walkforward's and features' default). */
export const DEFAULT_SWEEP_RESERVE = 0.2;

/** Largest number of runs a grid may expand to. */
export const MAX_RUNS = 100_000;

const VALUE = { type: ['number', 'string', 'boolean'] };
const SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['base', 'data', 'parameters'],
  properties: {
    base: { type: 'string', minLength: 1 },
    data: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
    equity: { type: 'number', exclusiveMinimum: 0 },
    reserve: { type: 'number', minimum: 0, exclusiveMaximum: 1 },
    barTimeframe: { type: 'string', minLength: 1 },
    parameters: {
      type: 'object',
      minProperties: 1,
      propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
      additionalProperties: {
        anyOf: [
          { type: 'array', minItems: 1, items: VALUE },
          {
            type: 'object',
            additionalProperties: false,
            required: ['min', 'max'],
            properties: { min: { type: 'number' }, max: { type: 'number' }, step: { type: 'number', exclusiveMinimum: 0 } },
          },
        ],
      },
    },
    set: { type: 'object', additionalProperties: VALUE },
    constraints: { type: 'array', items: { type: 'string', minLength: 1 } },
    search: {
      type: 'object',
      required: ['method'],
      properties: { method: { enum: ['grid', 'random'] } },
      if: { properties: { method: { const: 'random' } } },
      then: {
        additionalProperties: false,
        required: ['method', 'runs', 'seed'],
        properties: { method: true, runs: { type: 'integer', minimum: 1, maximum: MAX_RUNS }, seed: { type: 'integer', minimum: 0 } },
      },
      else: { additionalProperties: false, properties: { method: true } },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
const validate = ajv.compile(SCHEMA);

function renderPointer(instancePath: string): (string | number)[] {
  if (instancePath === '') return [];
  return instancePath.slice(1).split('/').map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~')).map((k) => (/^\d+$/.test(k) ? Number(k) : k));
}

function render(keys: readonly (string | number)[]): string {
  return keys.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('') || 'the top level';
}

function valueAt(root: unknown, keys: readonly (string | number)[]): unknown {
  let node = root;
  for (const key of keys) node = (node as Record<string | number, unknown> | undefined)?.[key];
  return node;
}

function rule(error: ErrorObject): string {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type': return `must be of type ${Array.isArray(p.type) ? (p.type as string[]).join(' or ') : String(p.type)}`;
    case 'minimum': return `must be >= ${String(p.limit)}`;
    case 'maximum': return `must be <= ${String(p.limit)}`;
    case 'exclusiveMinimum': return `must be > ${String(p.limit)}`;
    case 'exclusiveMaximum': return `must be < ${String(p.limit)}`;
    case 'enum': return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'minLength': return `must not be empty`;
    case 'minItems': return `must have at least ${String(p.limit)} entries`;
    case 'minProperties': return `must have at least ${String(p.limit)} entries`;
    case 'anyOf': return 'must be a list of values or a range { min, max, step? }';
    case 'pattern': return `must match ${String(p.pattern)}`;
    default: return error.message ?? error.keyword;
  }
}

/** Reads and validates the spec file. Throws SweepSpecError. */
export function loadSweepSpec(file: string): SweepSpec {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    throw new SweepSpecError(`cannot read the sweep spec ${absolute}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, '');
  }
  return parseSweepSpec(text, absolute);
}

/** The parameter names a `set` template refers to (`{name}`), in order; none for a non-text value. */
export function templateParameters(template: unknown): string[] {
  return typeof template === 'string' ? [...template.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]) : [];
}

/** Validates a spec given as YAML text; relative paths resolve against `file`'s directory. Throws SweepSpecError. */
export function parseSweepSpec(text: string, file: string): SweepSpec {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors[0]) {
    const at = lines.linePos(doc.errors[0].pos[0]);
    throw new SweepSpecError(`${file}:${at.line}:${at.col}: invalid YAML: ${doc.errors[0].message.split('\n')[0]}`, '');
  }
  let raw: unknown;
  try {
    raw = doc.toJS() ?? {};
  } catch (error) {
    // yaml refuses an alias expansion past its limit (a "billion laughs" document), among others.
    throw new SweepSpecError(`${file}: invalid YAML: ${(error as Error).message.split('\n')[0]}`, '');
  }
  const where = (keys: readonly (string | number)[]): string => {
    for (let depth = keys.length; depth >= 0; depth--) {
      const node = doc.getIn(keys.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === 'object' && node.range) return `${file} line ${lines.linePos(node.range[0]).line}`;
    }
    return file;
  };
  const fail = (keys: readonly (string | number)[], message: string): never => {
    throw new SweepSpecError(`invalid sweep spec: \`${render(keys)}\` ${message} (${where(keys)})`, render(keys));
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new SweepSpecError(`invalid sweep spec: the top level must be a mapping (base, data, parameters, ...), was ${JSON.stringify(raw)} (${file})`, '');
  if (!validate(raw)) {
    // Keep the most specific errors: drop an anyOf/if wrapper when a nested error explains it.
    const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'if');
    // A value that fails both branches of an anyOf (list or range) gets errors from each; when
    // one names a deeper key (`parameters.slow.step`), the shallower type/anyOf ones are noise.
    // So are they beside a specific error at the same key (an empty list: minItems of the list
    // branch, not "must be of type object" of the range branch).
    const deeper = (e: ErrorObject): boolean => errors.some((o) => o.instancePath.startsWith(`${e.instancePath}/`) || (o.instancePath === e.instancePath && o.keyword !== 'type' && o.keyword !== 'anyOf'));
    const shown = errors.filter((e) => !((e.keyword === 'anyOf' || e.keyword === 'type') && deeper(e)));
    const messages = shown.map((error) => {
      const keys = renderPointer(error.instancePath);
      if (error.keyword === 'additionalProperties') {
        const extra = (error.params as { additionalProperty: string }).additionalProperty;
        return { keys: [...keys, extra], text: `unknown key \`${render([...keys, extra])}\` (${where(keys)}): ${keys.length === 0 ? 'the top level' : `\`${render(keys)}\``} has no such key` };
      }
      if (error.keyword === 'required') {
        const missing = [...keys, (error.params as { missingProperty: string }).missingProperty];
        return { keys: missing, text: `\`${render(missing)}\` is required, was missing (${where(keys)})` };
      }
      if (error.keyword === 'propertyNames') {
        const name = (error.params as { propertyName: string }).propertyName;
        return { keys: [...keys, name], text: `parameter name ${JSON.stringify(name)} must be an identifier (letters, digits, _) (${where(keys)})` };
      }
      return { keys, text: `\`${render(keys)}\` ${rule(error)}, was ${JSON.stringify(valueAt(raw, keys)) ?? 'missing'} (${where(keys)})` };
    }).filter((m, i, all) => all.findIndex((o) => o.text === m.text) === i);
    throw new SweepSpecError(`invalid sweep spec:\n  ${messages.map((m) => m.text).join('\n  ')}`, render(messages[0]?.keys ?? []));
  }
  const spec = raw as {
    base: string; data: string[]; equity?: number; reserve?: number; barTimeframe?: string;
    parameters: Record<string, ParameterValue[] | { min: number; max: number; step?: number }>;
    set?: Record<string, ParameterValue>; constraints?: string[]; search?: { method: 'grid' } | { method: 'random'; runs: number; seed: number };
  };
  const search = spec.search ?? { method: 'grid' as const };
  const dir = path.dirname(file);
  const parameters: SweepParameter[] = Object.entries(spec.parameters).map(([name, domain]) => {
    if (Array.isArray(domain)) {
      const seen = new Set<string>();
      domain.forEach((v, i) => {
        if (typeof v === 'number' && !Number.isFinite(v)) fail(['parameters', name, i], `must be finite, was ${String(v)}`);
        const key = JSON.stringify(v);
        if (seen.has(key)) fail(['parameters', name, i], `must not repeat a value, was ${key} again`);
        seen.add(key);
      });
      return { name, domain: { kind: 'values' as const, values: domain }, values: domain };
    }
    if (!(domain.max >= domain.min)) fail(['parameters', name, 'max'], `must be >= min (${domain.min}), was ${domain.max}`);
    if (domain.step === undefined) {
      if (search.method === 'grid') fail(['parameters', name], `needs a \`step\` for a grid search, was ${JSON.stringify(domain)}`);
      return { name, domain: { kind: 'range' as const, min: domain.min, max: domain.max } };
    }
    const count = Math.floor((domain.max - domain.min) / domain.step + 1e-9) + 1;
    if (count > MAX_RUNS) fail(['parameters', name, 'step'], `gives ${count} values, more than ${MAX_RUNS}`);
    const values = Array.from({ length: count }, (_, i) => Number((domain.min + i * domain.step!).toPrecision(12)));
    return { name, domain: { kind: 'range' as const, min: domain.min, max: domain.max, step: domain.step }, values };
  });
  const names = parameters.map((p) => p.name);
  const set: SweepSetting[] = Object.entries(spec.set ?? {}).map(([keyPath, template]) => {
    let keys: (string | number)[];
    try {
      keys = parseKeyPath(keyPath);
    } catch (error) {
      return fail(['set', keyPath], `is not a key path: ${(error as Error).message}`);
    }
    if (typeof template === 'string') {
      for (const name of templateParameters(template)) {
        if (!names.includes(name)) fail(['set', keyPath], `names an unknown parameter \`{${name}}\` in ${JSON.stringify(template)} (parameters: ${names.join(', ')})`);
      }
    }
    return { path: keyPath, keys, template };
  });
  const constraints = spec.constraints ?? [];
  constraints.forEach((text, i) => {
    try {
      compileConstraint(text, names);
    } catch (error) {
      fail(['constraints', i], `is not a valid constraint, was ${JSON.stringify(text)}: ${(error as Error).message}`);
    }
  });
  if (search.method === 'grid') {
    const total = parameters.reduce((n, p) => n * (p.values?.length ?? 1), 1);
    if (total > MAX_RUNS) fail(['parameters'], `expand to ${total} combinations, more than ${MAX_RUNS}; use { method: random }`);
  }
  return {
    file,
    base: path.resolve(dir, spec.base),
    data: spec.data.map((source) => resolveSource(source, dir)),
    equity: spec.equity ?? 100_000,
    reserve: spec.reserve ?? DEFAULT_SWEEP_RESERVE,
    ...(spec.barTimeframe !== undefined ? { barTimeframe: spec.barTimeframe } : {}),
    parameters,
    set,
    constraints,
    search,
  };
}

/** A data source's path relative to the spec (URLs and absolute paths as they are). */
function resolveSource(source: string, dir: string): string {
  if (source.startsWith('questdb://')) return source;
  const store = source.startsWith('store:');
  const rest = store ? source.slice('store:'.length) : source;
  if (path.isAbsolute(rest)) return source;
  const resolved = path.resolve(dir, rest);
  return store ? `store:${resolved}` : resolved;
}
