#!/usr/bin/env node
// Starts and stops a throwaway Redis server for tests, benchmarks and local sweeps:
// /usr/bin/redis-server spawned directly (no wrapper shell, so the recorded PID is redis-server
// itself) on a free loopback port, with no persistence (`--save "" --appendonly no`, as
// ../shared/NOTES-deps.md says), its working directory a fresh temp dir, readiness by PING,
// and a stop by that PID (SIGTERM, then SIGKILL after a bound). A port taken between the
// probe and the bind is retried on another port.
//
//   const redis = await startRedis();   // { pid, host, port, url, dir, ... }
//   await redis.stop();                 // { signal: 'SIGTERM' | 'SIGKILL' | 'exited', ms }
//
// CLI: `node tools/redis/redis-server.mjs` starts one, prints { pid, port, url } as JSON, and
// stops it on SIGINT/SIGTERM.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HOST = '127.0.0.1';
export const REDIS_SERVER_BINARY = '/usr/bin/redis-server';

/** A free TCP port on 127.0.0.1 (bound then released; a race is retried by startRedis). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() => resolve(address.port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** true when the server on `port` answers PING with +PONG. */
function ping(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    let text = '';
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      if (text.includes('\r\n')) done(text.startsWith('+PONG'));
    });
  });
}

function tail(file, lines = 20) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function startOnce(binary, options) {
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'quantflow-redis-'));
  const logFile = join(dir, 'redis.log');
  const log = openSync(logFile, 'a');
  const started = performance.now();
  const child = spawn(
    binary,
    ['--bind', HOST, '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--protected-mode', 'yes'],
    { stdio: ['ignore', log, log], detached: false },
  );
  closeSync(log);
  let exit;
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve((exit = { code, signal })));
    child.once('error', (error) => resolve((exit = { code: null, signal: null, error })));
  });
  // If this process ends without stop() (a crash, process.exit), the server must not outlive it.
  const killOnExit = () => {
    if (!exit) process.kill(child.pid, 'SIGKILL');
  };
  process.on('exit', killOnExit);
  const stopTimeoutMs = options.stopTimeoutMs ?? 5_000;
  let stopping;
  const stop = () => {
    stopping ??= (async () => {
      const t0 = performance.now();
      process.removeListener('exit', killOnExit);
      if (exit) {
        rmSync(dir, { recursive: true, force: true });
        return { signal: 'exited', ms: 0 };
      }
      process.kill(child.pid, 'SIGTERM');
      const timedOut = await Promise.race([exited.then(() => false), sleep(stopTimeoutMs).then(() => true)]);
      let signal = 'SIGTERM';
      if (timedOut) {
        process.kill(child.pid, 'SIGKILL');
        await exited;
        signal = 'SIGKILL';
      }
      rmSync(dir, { recursive: true, force: true });
      return { signal, ms: Math.round(performance.now() - t0) };
    })();
    return stopping;
  };
  const readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
  for (;;) {
    if (exit) {
      const why = exit.error ? exit.error.message : `exited with ${exit.code ?? exit.signal}`;
      const text = tail(logFile);
      process.removeListener('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
      return { failed: `redis-server: ${binary} ${why} before it was ready on port ${port}; log tail:\n${text}`, portInUse: /Address already in use/.test(text) };
    }
    if (await ping(port)) break;
    if (performance.now() - started > readyTimeoutMs) {
      const text = tail(logFile);
      await stop();
      return { failed: `redis-server: no PONG on ${HOST}:${port} after ${readyTimeoutMs} ms; log tail:\n${text}`, portInUse: false };
    }
    await sleep(20);
  }
  return {
    server: {
      pid: child.pid,
      host: HOST,
      port,
      url: `redis://${HOST}:${port}`,
      dir,
      logFile,
      startMs: Math.round(performance.now() - started),
      exited,
      stop,
    },
  };
}

/**
 * Starts redis-server on a free loopback port and resolves once it answers PING.
 * @param {{ binary?: string, port?: number, readyTimeoutMs?: number, stopTimeoutMs?: number }} [options]
 */
export async function startRedis(options = {}) {
  const binary = options.binary ?? REDIS_SERVER_BINARY;
  if (!existsSync(binary)) throw new Error(`redis-server: ${binary} is missing; install Debian's redis-server (.ci/run does: apt-get install -y redis-server)`);
  let last;
  for (let attempt = 0; attempt < 5; attempt++) {
    const result = await startOnce(binary, options);
    if (result.server) return result.server;
    last = result.failed;
    if (!result.portInUse || options.port !== undefined) break;
  }
  throw new Error(last);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const server = await startRedis();
  process.stdout.write(`${JSON.stringify({ pid: server.pid, port: server.port, url: server.url })}\n`);
  const shutdown = () => void server.stop().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
