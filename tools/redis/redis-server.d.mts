// Types of redis-server.mjs (for TypeScript importers: tests, benches).
export interface RedisStartOptions {
  /** Default /usr/bin/redis-server. */
  binary?: string;
  /** A fixed port (default: a free loopback port). */
  port?: number;
  readyTimeoutMs?: number;
  /** SIGTERM, then SIGKILL after this many ms (default 5,000). */
  stopTimeoutMs?: number;
}

export interface RedisStopResult {
  readonly signal: 'SIGTERM' | 'SIGKILL' | 'exited';
  readonly ms: number;
}

export interface RedisServer {
  /** PID of redis-server itself (spawned directly, no shell). */
  readonly pid: number;
  readonly host: string;
  readonly port: number;
  /** redis://127.0.0.1:PORT */
  readonly url: string;
  /** Its working directory (a temp dir, deleted on stop). */
  readonly dir: string;
  readonly logFile: string;
  readonly startMs: number;
  readonly exited: Promise<{ code: number | null; signal: string | null; error?: Error }>;
  stop(): Promise<RedisStopResult>;
}

export declare const REDIS_SERVER_BINARY: string;
export declare function freePort(): Promise<number>;
export declare function startRedis(options?: RedisStartOptions): Promise<RedisServer>;
