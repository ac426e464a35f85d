// Messages the engine thread posts to the I/O thread. Control only: events never
// travel this way (they cross through the rings).
export type EngineThreadMessage =
  | { type: 'started' }
  | { type: 'stopped' }
  | { type: 'failed'; message: string; stack: string };
