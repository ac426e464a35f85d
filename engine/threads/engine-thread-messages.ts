// Messages the engine thread posts to the I/O thread. Control only: events never
// travel this way (they cross through the rings).
import type { PipelineMap } from '../pipeline/index.js';

export type EngineThreadMessage =
  | { type: 'started'; pipeline: PipelineMap | null }
  | { type: 'stopped' }
  | { type: 'failed'; message: string; stack: string };
