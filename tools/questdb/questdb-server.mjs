#!/usr/bin/env node
// Starts and stops a throwaway QuestDB server for tests, benchmarks and measurements: a fresh
// data directory under the OS temp dir, free loopback ports, the server.conf of
// ../shared/NOTES-deps.md (loopback only, no UDP, no telemetry), readiness by polling
// `GET /exec?query=select 1`, and a stop by PID (SIGTERM, then SIGKILL after a bound).
//
//   const server = await startQuestDb({ jar });   // { pid, dir, httpPort, pgPort, ilpTcpPort, ... }
//   await server.stop();                           // { signal: 'SIGTERM' | 'SIGKILL' | 'exited', ms }
//
// CLI: `node tools/questdb/questdb-server.mjs [--keep]` starts one, prints its ports as JSON,
// and stops it on SIGINT/SIGTERM (deleting the data directory unless --keep).
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findQuestDbJar, questDbJarPath } from './ensure-questdb.mjs';

const HOST = '127.0.0.1';

/** A free TCP port on 127.0.0.1 (bound then released; a race with another process is possible but rare). */
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

function serverConf(ports, extra = []) {
  return [
    ...extra,
    `http.net.bind.to=${HOST}:${ports.httpPort}`,
    `http.min.net.bind.to=${HOST}:${ports.httpMinPort}`,
    `pg.net.bind.to=${HOST}:${ports.pgPort}`,
    `line.tcp.net.bind.to=${HOST}:${ports.ilpTcpPort}`,
    'line.udp.enabled=false',
    'telemetry.enabled=false',
    '',
  ].join('\n');
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function isReady(httpPort) {
  try {
    const response = await fetch(`http://${HOST}:${httpPort}/exec?query=select%201`, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

function tail(file, lines = 30) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Starts a QuestDB server and resolves once it answers queries.
 * @param {{ jar?: string, dir?: string, heap?: string, readyTimeoutMs?: number, stopTimeoutMs?: number, keepDir?: boolean, conf?: string[] }} [options]
 */
export async function startQuestDb(options = {}) {
  const jar = options.jar ?? findQuestDbJar();
  if (!jar) throw new Error(`questdb-server: no QuestDB jar at ${questDbJarPath()}; run \`node tools/questdb/ensure-questdb.mjs\``);
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'quantflow-questdb-'));
  const ownsDir = options.dir === undefined && !options.keepDir;
  mkdirSync(join(dir, 'conf'), { recursive: true });
  const ports = { httpPort: await freePort(), httpMinPort: await freePort(), pgPort: await freePort(), ilpTcpPort: await freePort() };
  writeFileSync(join(dir, 'conf', 'server.conf'), serverConf(ports, options.conf));
  const logFile = join(dir, 'server.log');
  const log = openSync(logFile, 'a');
  const started = performance.now();
  const child = spawn(
    'java',
    [`-Xmx${options.heap ?? '1g'}`, '--add-exports', 'java.base/jdk.internal.math=io.questdb', '-p', jar, '-m', 'io.questdb/io.questdb.ServerMain', '-d', dir],
    { stdio: ['ignore', log, log], detached: false },
  );
  closeSync(log);
  // If this process ends without stop() (a crash, process.exit), the server must not outlive it.
  const killOnExit = () => {
    if (!exit) child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);
  let exit;
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
    child.once('error', (error) => {
      exit = { code: null, signal: null, error };
      resolve(exit);
    });
  });
  const stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
  let stopping;
  const stop = () => {
    stopping ??= (async () => {
      const t0 = performance.now();
      process.removeListener('exit', killOnExit);
      if (exit) {
        if (ownsDir) rmSync(dir, { recursive: true, force: true });
        return { signal: 'exited', ms: 0 };
      }
      child.kill('SIGTERM');
      const timedOut = await Promise.race([exited.then(() => false), sleep(stopTimeoutMs).then(() => true)]);
      let signal = 'SIGTERM';
      if (timedOut) {
        child.kill('SIGKILL');
        await exited;
        signal = 'SIGKILL';
      }
      if (ownsDir) rmSync(dir, { recursive: true, force: true });
      return { signal, ms: Math.round(performance.now() - t0) };
    })();
    return stopping;
  };

  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  for (;;) {
    if (exit) {
      const why = exit.error ? exit.error.message : `exited with ${exit.code ?? exit.signal}`;
      const text = tail(logFile);
      if (ownsDir) rmSync(dir, { recursive: true, force: true });
      throw new Error(`questdb-server: java ${why} before it was ready (jar ${jar}); log tail:\n${text}`);
    }
    if (await isReady(ports.httpPort)) break;
    if (performance.now() - started > readyTimeoutMs) {
      const text = tail(logFile);
      await stop();
      throw new Error(`questdb-server: not ready on http://${HOST}:${ports.httpPort} after ${readyTimeoutMs} ms; log tail:\n${text}`);
    }
    await sleep(100);
  }
  return {
    pid: child.pid,
    dir,
    host: HOST,
    ...ports,
    startMs: Math.round(performance.now() - started),
    logFile,
    /** Resolves when the process exits (for any reason). */
    exited,
    stop,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const server = await startQuestDb({ keepDir: process.argv.includes('--keep') });
  const { stop, exited, ...facts } = server;
  console.log(JSON.stringify(facts));
  let stopping = false;
  const shutdown = async () => {
    stopping = true;
    const result = await stop();
    console.error(`questdb-server: stopped by ${result.signal} in ${result.ms} ms`);
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  exited.then((e) => {
    if (stopping) return;
    console.error(`questdb-server: java exited (${e.code ?? e.signal})`);
    process.exit(1);
  });
}
