// vitest globalSetup: ONE QuestDB server for the whole run, shared by every QuestDB suite
// through provide/inject (`inject('questdb')`).
//
// Lazy: the server starts only when the run includes a QuestDB server suite (a file
// test/questdb-*.test.ts; the unit tests in adapters/questdb need no server), found by globbing the run's files with the CLI filters vitest was
// given. Globbing costs a few ms; a JVM start costs 3-7 s of a shared 2-core machine, so
// `npx vitest run test/ring-wasm.test.ts` must not pay for it. (The filters come from an
// internal field of vitest 4, `filenamePattern`; if it is ever missing the setup assumes
// QuestDB files are in the run and starts the server: slower, never wrong.)
//
// Without the jar (tools/questdb/ensure-questdb.mjs fetches it) the setup provides a skip
// reason and the suites skip with it; under CI=true a missing jar or a failed start fails the
// run. Suites that must stop a server (a server stopped mid-stream) start their own.
import { basename } from 'node:path';
import type { TestProject } from 'vitest/node';
import { inject } from 'vitest';
import { findQuestDbJar, questDbJarPath } from '../tools/questdb/ensure-questdb.mjs';
import { startQuestDb, type QuestDbServer } from '../tools/questdb/questdb-server.mjs';

/** What the QuestDB suites get: the shared server's ports, or why there is none. */
export type QuestDbContext =
  | { readonly available: true; readonly host: string; readonly httpPort: number; readonly pgPort: number; readonly ilpTcpPort: number; readonly pid: number; readonly jar: string }
  | { readonly available: false; readonly reason: string };

declare module 'vitest' {
  export interface ProvidedContext {
    questdb: QuestDbContext;
  }
}

const isQuestDbFile = (file: string): boolean => /(^|[\\/])test[\\/]questdb-[^\\/]*\.test\.ts$/.test(file);

async function runIncludesQuestDb(project: TestProject): Promise<boolean> {
  const filters = (project.vitest as unknown as { filenamePattern?: string[] }).filenamePattern;
  try {
    const { testFiles } = await project.globTestFiles(filters);
    return testFiles.some(isQuestDbFile);
  } catch {
    return true;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const ci = process.env.CI === 'true' || process.env.CI === '1';
  if (!(await runIncludesQuestDb(project))) {
    project.provide('questdb', { available: false, reason: 'no QuestDB server suite (test/questdb-*.test.ts) in this run' });
    return undefined;
  }
  const jar = findQuestDbJar();
  if (!jar) {
    const reason = `QuestDB jar not found at ${questDbJarPath()}: run \`node tools/questdb/ensure-questdb.mjs\` (or set QUESTDB_JAR)`;
    if (ci) throw new Error(`questdb-global-setup: CI=true and ${reason}`);
    project.provide('questdb', { available: false, reason });
    return undefined;
  }
  let server: QuestDbServer;
  try {
    server = await startQuestDb({ jar });
  } catch (error) {
    const reason = `QuestDB did not start: ${(error as Error).message}`;
    if (ci) throw new Error(`questdb-global-setup: ${reason}`);
    project.provide('questdb', { available: false, reason });
    return undefined;
  }
  console.log(`questdb-global-setup: QuestDB ${basename(jar)} ready in ${server.startMs} ms (pid ${server.pid}, http ${server.httpPort}, pg ${server.pgPort}, ilp ${server.ilpTcpPort})`);
  project.provide('questdb', { available: true, host: server.host, httpPort: server.httpPort, pgPort: server.pgPort, ilpTcpPort: server.ilpTcpPort, pid: server.pid, jar });
  return async () => {
    const stopped = await server.stop();
    console.log(`questdb-global-setup: QuestDB stopped by ${stopped.signal} in ${stopped.ms} ms`);
  };
}

/** In a suite: the shared server, or undefined with the reason to skip (`describe.skipIf`). */
export function sharedQuestDb(): QuestDbContext {
  const context = inject('questdb') ?? { available: false, reason: 'vitest globalSetup test/questdb-global-setup.ts did not run (see vitest.config.ts)' };
  if (!context.available) console.warn(`QuestDB suite skipped: ${context.reason}`);
  return context;
}
