// `quantflow models`: the LMDB model registry (engine/models). `add DIR` verifies a model
// directory (model.json, each fold's sha256, each fold loaded in onnxruntime against its
// declared signature) and stores it under its version hash; `ls`, `show HASH`, `promote HASH
// --strategy NAME --by WHO --reason TEXT` (journaled in the registry's promotion log) and
// `promotions`. Every sub-command takes --registry DIR (default .quantflow/models) and --json.
// Only `add` makes a registry; the others need one (ls, show and promotions open it read-only).
// Bad input is one line naming the flag or file, the value and the rule.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import {
  DEFAULT_REGISTRY_DIR, MODEL_QUANTILES, ModelContractError, ModelRegistry, ModelRegistryError,
  type AddResult, type PromotionRecord, type QuantileModelMetadata, type RegistryEntry,
} from '../../models/index.js';
import { UserFacingError } from '../cli-error.js';

export interface ModelsFlags {
  registry?: string;
  json?: boolean;
}

export interface PromoteFlags extends ModelsFlags {
  strategy?: string;
  by?: string;
  reason?: string;
}

export interface PromotionsFlags extends ModelsFlags {
  strategy?: string;
}

export interface ModelDetails {
  readonly hash: string;
  readonly metadata: QuantileModelMetadata;
  readonly promotedFor: readonly string[];
}

const registryOption = (c: Command): Command =>
  c.option('--registry <dir>', 'LMDB directory of the model registry', DEFAULT_REGISTRY_DIR).option('--json', 'print JSON on stdout');

const toIso = (ns: bigint | string): string => new Date(Number(BigInt(ns) / 1_000_000n)).toISOString().replace('.000Z', 'Z');

/** BigInt-safe JSON. */
const json = (value: unknown): string => JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);

function userFacing<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof ModelContractError || error instanceof ModelRegistryError) throw new UserFacingError(error.message);
    throw error;
  }
}

async function userFacingAsync<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof ModelContractError || error instanceof ModelRegistryError) throw new UserFacingError(error.message);
    throw error;
  }
}

function registryDir(flags: ModelsFlags): string {
  const dir = flags.registry ?? DEFAULT_REGISTRY_DIR;
  if (dir.trim() === '') throw new UserFacingError('`--registry` must name a directory, was ""');
  return path.resolve(dir);
}

/**
 * Opens an existing registry (`read`: writing nothing; `write`: to promote); null when the
 * directory does not exist (nothing added yet). A directory that is not a registry is refused.
 */
function openExisting(flags: ModelsFlags, access: 'read' | 'write' = 'read'): ModelRegistry | null {
  const dir = registryDir(flags);
  if (!existsSync(dir)) return null;
  return userFacing(() => ModelRegistry.open(dir, access));
}

async function withRegistry<T>(registry: ModelRegistry, fn: (r: ModelRegistry) => Promise<T> | T): Promise<T> {
  try {
    return await userFacingAsync(async () => fn(registry));
  } finally {
    await registry.close();
  }
}

export async function runModelsAdd(dir: string, flags: ModelsFlags): Promise<AddResult & { registry: string }> {
  const registryPath = registryDir(flags);
  const registry = userFacing(() => ModelRegistry.open(registryPath));
  const result = await withRegistry(registry, (r) => r.add(dir));
  return { ...result, registry: registryPath };
}

export async function runModelsList(flags: ModelsFlags): Promise<RegistryEntry[]> {
  const registry = openExisting(flags);
  if (!registry) return [];
  return withRegistry(registry, (r) => r.list());
}

export async function runModelsShow(hash: string, flags: ModelsFlags): Promise<ModelDetails> {
  const registry = openExisting(flags);
  if (!registry) throw new UserFacingError(`no model registry at ${registryDir(flags)} (add a model with \`quantflow models add DIR\`, or give --registry)`);
  return withRegistry(registry, (r) => {
    const bundle = r.get(hash);
    const strategies = [...new Set(r.promotions().map((p) => p.strategy))].filter((s) => r.promotedFor(s)?.hash === bundle.hash);
    return { hash: bundle.hash, metadata: bundle.metadata, promotedFor: strategies };
  });
}

/** A flag's text: refused when not given ("is required", not `was ""`: nothing was given) or blank. */
function requiredText(flag: string, value: string | undefined, rule: string): string {
  if (value === undefined) throw new UserFacingError(`\`${flag}\` is required: it ${rule}`);
  if (value.trim() === '') throw new UserFacingError(`\`${flag}\` ${rule}, was ${JSON.stringify(value)}`);
  return value;
}

export async function runModelsPromote(hash: string, flags: PromoteFlags): Promise<PromotionRecord> {
  const strategy = requiredText('--strategy', flags.strategy, "must name the strategy (1-100 letters, digits, '.', '_', ':' or '-')");
  const by = requiredText('--by', flags.by, 'must name who promotes');
  const reason = requiredText('--reason', flags.reason, 'must say why');
  const registry = openExisting(flags, 'write');
  if (!registry) throw new UserFacingError(`no model registry at ${registryDir(flags)} (add a model with \`quantflow models add DIR\`, or give --registry)`);
  return withRegistry(registry, (r) => r.promote(hash, strategy, { by, reason }));
}

export async function runModelsPromotions(flags: PromotionsFlags): Promise<PromotionRecord[]> {
  const registry = openExisting(flags);
  if (!registry) return [];
  return withRegistry(registry, (r) => r.promotions(flags.strategy));
}

export function describeAdd(result: AddResult & { registry: string }): string {
  return result.added
    ? `added ${result.hash} (${result.name}) to ${result.registry}`
    : `${result.hash} (${result.name}) is already in ${result.registry}; nothing written`;
}

export function describeList(entries: readonly RegistryEntry[]): string {
  if (entries.length === 0) return 'no models in the registry';
  const rows = entries.map((e) => [e.hash.slice(0, 12), e.name, e.timeframe, `h=${e.horizonBars}`, `${e.features.length} features`, `${e.folds} folds`, `added ${toIso(e.addedAtNs)}`]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

export function describeModel(details: ModelDetails): string {
  const m = details.metadata;
  const lines = [
    `model ${details.hash}`,
    `  name        ${m.name}`,
    `  target      ${m.target.kind} over ${m.target.horizonBars} bars of ${m.timeframe}; quantiles ${m.quantiles.join(', ')}`,
    `  features    ${m.features.join(', ')}`,
    `  input       ${m.input.name} ${m.input.type} [N, ${m.input.columns}]  output ${m.output.name} [N, ${m.output.columns}]`,
    `  data        ${m.data.source} (${m.data.rows} rows, sha256 ${m.data.sha256.slice(0, 16)}...)`,
    `  versions    ${Object.entries(m.versions).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `  promoted    ${details.promotedFor.length > 0 ? details.promotedFor.join(', ') : 'for no strategy'}`,
    `  folds       ${m.folds.length}`,
  ];
  for (const f of m.folds) {
    const pinball = MODEL_QUANTILES.map((q) => f.metrics.pinball[String(q)].toPrecision(3)).join(' ');
    lines.push(
      `    fold ${f.index}  train ${toIso(f.train.startNs)} .. ${toIso(f.train.endNs)} (${f.train.rows} rows)  validation ${toIso(f.validation.startNs)} .. ${toIso(f.validation.endNs)} (${f.validation.rows} rows)`,
      `            serves bars closing after ${toIso(f.availableFromNs)}; coverage80 ${f.metrics.coverage80.toFixed(3)}, pinball ${pinball}, crossed ${(100 * f.metrics.crossedFraction).toFixed(1)}%`,
    );
  }
  return lines.join('\n');
}

export function describePromotion(p: PromotionRecord): string {
  return `#${p.seq} ${toIso(p.timeNs)} ${p.strategy}: ${p.hash.slice(0, 12)}${p.previousHash ? ` (was ${p.previousHash.slice(0, 12)})` : ' (first)'} by ${p.by}: ${p.reason}`;
}

export function registerModelsCommand(program: Command): void {
  const models = program
    .command('models')
    .description('Model registry (LMDB): add trained quantile model directories, list and show them, promote one to a strategy (journaled), the promotion log');
  registryOption(models.command('add'))
    .description('verify a model directory (model.json, fold sha256s, each fold in onnxruntime) and store it under its version hash')
    .argument('<dir>', 'model directory: model.json and fold-<k>.onnx')
    .action(async (dir: string, flags: ModelsFlags) => {
      const result = await runModelsAdd(dir, flags);
      process.stdout.write(`${flags.json ? json(result) : describeAdd(result)}\n`);
    });
  registryOption(models.command('ls'))
    .description('list the stored models, oldest first')
    .action(async (flags: ModelsFlags) => {
      const entries = await runModelsList(flags);
      process.stdout.write(`${flags.json ? json(entries) : describeList(entries)}\n`);
    });
  registryOption(models.command('show'))
    .description('metadata of a stored model, its folds with their ranges and metrics')
    .argument('<hash>', 'version hash, or a unique prefix of 6+ hex digits')
    .action(async (hash: string, flags: ModelsFlags) => {
      const details = await runModelsShow(hash, flags);
      process.stdout.write(`${flags.json ? json(details) : describeModel(details)}\n`);
    });
  registryOption(models.command('promote'))
    .description('make a stored model the model of a strategy; appended to the promotion log')
    .argument('<hash>', 'version hash, or a unique prefix of 6+ hex digits')
    .requiredOption('--strategy <name>', 'the strategy that will use the model')
    .requiredOption('--by <who>', 'who promotes')
    .requiredOption('--reason <text>', 'why (journaled)')
    .action(async (hash: string, flags: PromoteFlags) => {
      const record = await runModelsPromote(hash, flags);
      process.stdout.write(`${flags.json ? json(record) : `promoted ${describePromotion(record)}`}\n`);
    });
  registryOption(models.command('promotions'))
    .description('the promotion log, oldest first')
    .option('--strategy <name>', 'only this strategy\'s promotions')
    .action(async (flags: PromotionsFlags) => {
      const records = await runModelsPromotions(flags);
      process.stdout.write(`${flags.json ? json(records) : records.length === 0 ? 'no promotions' : records.map(describePromotion).join('\n')}\n`);
    });
}
