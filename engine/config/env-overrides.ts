// QF_-prefixed environment variables as configuration overrides. `__` separates nesting
// levels; each level is the key in UPPER_SNAKE_CASE (maxDrawdownPct -> MAX_DRAWDOWN_PCT), a
// list index, or a map key; values are parsed as YAML (`0.1` is a number, `true` a boolean,
// `[a, b]` a list). Names are resolved against the schema, so a name that matches no key
// is an error naming the variable and the keys it could have meant.
//   QF_RISK__MAX_DRAWDOWN_PCT=0.1  ->  risk.maxDrawdownPct = 0.1
// QF_CONTROL_SECRET is the documented alias of control.secret (taken as a raw string); QF_CONTROL_TOKEN (a CLI
// credential, not configuration), QF_CRASH_AT (the crash harness's kill plan) and QF_PYTHON (the python
// `quantflow train` runs) are ignored here.
import { parse } from 'yaml';
import { ConfigError } from './config-error.js';

export const ENV_PREFIX = 'QF_';
export const ENV_ALIASES: Readonly<Record<string, readonly string[]>> = { QF_CONTROL_SECRET: ['control', 'secret'] };
export const ENV_NOT_CONFIG: readonly string[] = ['QF_CONTROL_TOKEN', 'QF_CRASH_AT', 'QF_PYTHON'];

export interface EnvOverride {
  readonly variable: string;
  readonly path: readonly (string | number)[];
  readonly value: unknown;
}

interface SchemaNode {
  type?: string | readonly string[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  items?: SchemaNode;
}

/** maxDrawdownPct -> MAX_DRAWDOWN_PCT */
export function envSegment(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** MAX_DRAWDOWN_PCT -> maxDrawdownPct (map keys that the schema does not name). */
function camelCase(segment: string): string {
  return segment.toLowerCase().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function resolvePath(variable: string, schema: SchemaNode): (string | number)[] {
  const segments = variable.slice(ENV_PREFIX.length).split('__');
  const path: (string | number)[] = [];
  let node: SchemaNode | undefined = schema;
  for (const segment of segments) {
    const at = path.length === 0 ? 'the top level' : `\`${renderPath(path)}\``;
    if (!node) throw new ConfigError(`environment variable ${variable} matches no configuration key: ${at} has no nested keys`, renderPath(path));
    if (node.items && /^\d+$/.test(segment)) {
      path.push(Number(segment));
      node = node.items;
      continue;
    }
    const properties: Record<string, SchemaNode> = node.properties ?? {};
    const name = Object.keys(properties).find((key) => envSegment(key) === segment);
    if (name !== undefined) {
      path.push(name);
      node = properties[name];
    } else if (typeof node.additionalProperties === 'object' && /^[A-Z0-9_]+$/.test(segment)) {
      path.push(camelCase(segment));
      node = node.additionalProperties;
    } else {
      const known = Object.keys(properties).map(envSegment);
      throw new ConfigError(
        `environment variable ${variable} matches no configuration key: ${at} has no key ${segment}` +
          (known.length > 0 ? ` (known: ${known.join(', ')})` : ''),
        renderPath(path),
      );
    }
  }
  return path;
}

export function renderPath(path: readonly (string | number)[]): string {
  return path.reduce<string>((text, part) => (typeof part === 'number' ? `${text}[${part}]` : text === '' ? part : `${text}.${part}`), '');
}

/**
 * The overrides in `env` (every QF_ variable except ENV_NOT_CONFIG and `notConfig`: the variables
 * the configuration itself names, such as `live.credentials: env:QF_CB_KEY/QF_CB_SECRET`, which
 * hold credentials, not configuration), resolved against `schema`.
 */
export function readEnvOverrides(env: NodeJS.ProcessEnv, schema: object, notConfig: readonly string[] = []): EnvOverride[] {
  const overrides: EnvOverride[] = [];
  for (const variable of Object.keys(env).sort()) {
    if (!variable.startsWith(ENV_PREFIX) || ENV_NOT_CONFIG.includes(variable) || notConfig.includes(variable)) continue;
    const raw = env[variable] ?? '';
    const path = ENV_ALIASES[variable] ? [...ENV_ALIASES[variable]] : resolvePath(variable, schema as SchemaNode);
    if (ENV_ALIASES[variable]) {
      overrides.push({ variable, path, value: raw });
      continue;
    }
    let value: unknown;
    try {
      value = parse(raw);
    } catch (error) {
      throw new ConfigError(`environment variable ${variable}: value ${JSON.stringify(raw)} is not valid YAML (${(error as Error).message.split('\n')[0]})`, renderPath(path));
    }
    overrides.push({ variable, path, value: value === undefined ? null : value });
  }
  return overrides;
}
