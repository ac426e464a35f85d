// The model a run's configuration names (`model:` in engine/config), opened for serving: a
// model directory or a registry version (by hash, or the version promoted to a strategy).
// A model that cannot serve (a corrupt file, a signature that disagrees with its metadata, a
// horizon other than the ML expert's, an unknown version) does not stop the run: the result
// is `absent` with the reason, and the run trades without the ML expert and says so.
import type { ModelConfig } from '../config/index.js';
import { QuantileModelSet } from './quantile-model-set.js';
import { ModelRegistry } from './model-registry.js';

export type ConfiguredModel =
  | { readonly state: 'serving'; readonly model: QuantileModelSet; readonly source: string; readonly config: ModelConfig }
  | { readonly state: 'absent'; readonly reason: string; readonly source: string; readonly config: ModelConfig };

/** Where the configured model comes from, for messages. */
export function describeModelSource(config: ModelConfig): string {
  if (config.path !== undefined) return config.path;
  return `registry ${config.registry} ${config.version !== undefined ? `version ${config.version}` : `promoted to ${JSON.stringify(config.promoted)}`}`;
}

/**
 * Opens the configured model with `config.threads` onnxruntime threads. `horizonBars` is the ML
 * expert's (fusion.ml.horizonBars): the model's target horizon must equal it, since the expert
 * scales the quantiles by the volatility over that many bars. `lazySessions` (a backtest): the
 * onnxruntime sessions are created when first needed, so a graph onnxruntime cannot load is
 * found then (QuantileModelSet.checkLoadable), not here.
 */
export async function openConfiguredModel(config: ModelConfig, horizonBars: number, options: { readonly lazySessions?: boolean } = {}): Promise<ConfiguredModel> {
  const source = describeModelSource(config);
  let model: QuantileModelSet;
  try {
    if (config.path !== undefined) {
      model = await QuantileModelSet.load(config.path, { threads: config.threads, lazySessions: options.lazySessions });
    } else {
      const registry = ModelRegistry.open(config.registry!, 'read');
      try {
        let hash = config.version;
        if (hash === undefined) {
          const promoted = registry.promotedFor(config.promoted!);
          if (promoted === null) return { state: 'absent', reason: `no model is promoted to strategy ${JSON.stringify(config.promoted)} in registry ${config.registry}`, source, config };
          hash = promoted.hash;
        }
        model = await registry.load(hash, { threads: config.threads, lazySessions: options.lazySessions });
      } finally {
        await registry.close();
      }
    }
  } catch (error) {
    return { state: 'absent', reason: (error as Error).message, source, config };
  }
  const horizon = model.metadata.target.horizonBars;
  if (horizon !== horizonBars) {
    await model.release();
    return { state: 'absent', reason: `${source}: the model predicts ${horizon}-bar returns, the ML expert's \`fusion.ml.horizonBars\` is ${horizonBars}; set it to ${horizon} or train a ${horizonBars}-bar model`, source, config };
  }
  return { state: 'serving', model, source, config };
}
