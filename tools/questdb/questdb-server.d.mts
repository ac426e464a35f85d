// Types of questdb-server.mjs (for TypeScript importers: tests, measurement scripts).
export interface QuestDbStartOptions {
  /** The server jar (default: the one ensure-questdb.mjs finds). */
  jar?: string;
  /** Data directory (default: a fresh temp dir, deleted on stop). */
  dir?: string;
  /** Java heap, e.g. `1g` (default). */
  heap?: string;
  readyTimeoutMs?: number;
  /** SIGTERM, then SIGKILL after this many ms (default 10,000). */
  stopTimeoutMs?: number;
  /** Keep the temp data directory on stop. */
  keepDir?: boolean;
  /** More server.conf lines (`http.export.connection.limit=2`). */
  conf?: string[];
}

export interface QuestDbStopResult {
  readonly signal: 'SIGTERM' | 'SIGKILL' | 'exited';
  readonly ms: number;
}

export interface QuestDbServer {
  readonly pid: number;
  readonly dir: string;
  readonly host: string;
  readonly httpPort: number;
  readonly httpMinPort: number;
  readonly pgPort: number;
  readonly ilpTcpPort: number;
  /** Time from spawn to the first answered `select 1`, in ms. */
  readonly startMs: number;
  readonly logFile: string;
  readonly exited: Promise<{ code: number | null; signal: string | null; error?: Error }>;
  stop(): Promise<QuestDbStopResult>;
}

export declare function freePort(): Promise<number>;
export declare function startQuestDb(options?: QuestDbStartOptions): Promise<QuestDbServer>;
