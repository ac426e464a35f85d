#!/usr/bin/env node
// Ensures the QuestDB server jar (org.questdb:questdb, from Maven Central) is in the local Maven
// repository and prints its path. Idempotent: runs `mvn dependency:get` only when the jar is
// absent. Used by .ci/run before `npm test`, so the QuestDB suites run against a real server.
//
//   node tools/questdb/ensure-questdb.mjs          # fetch if absent, print the jar path
//   QUESTDB_JAR=/path/questdb.jar ...               # use that jar instead (never fetched)
//
// `questDbJarPath()` (no fetch) is what test/questdb-global-setup.ts uses to find the jar.
import { existsSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const QUESTDB_VERSION = '9.3.4';
export const QUESTDB_ARTIFACT = `org.questdb:questdb:${QUESTDB_VERSION}`;

/** Where the jar is (or will be): $QUESTDB_JAR, else ~/.m2/repository/org/questdb/questdb/VERSION/. */
export function questDbJarPath() {
  if (process.env.QUESTDB_JAR) return process.env.QUESTDB_JAR;
  const repository = process.env.MAVEN_REPOSITORY ?? join(homedir(), '.m2', 'repository');
  return join(repository, 'org', 'questdb', 'questdb', QUESTDB_VERSION, `questdb-${QUESTDB_VERSION}.jar`);
}

/** The jar path when the jar is there and not empty, else undefined. Never fetches. */
export function findQuestDbJar() {
  const jar = questDbJarPath();
  return existsSync(jar) && statSync(jar).size > 0 ? jar : undefined;
}

/** Fetches the jar with Maven when absent; returns its path. Throws with the command and its output. */
export function ensureQuestDb() {
  const found = findQuestDbJar();
  if (found) return found;
  if (process.env.QUESTDB_JAR) throw new Error(`ensure-questdb: QUESTDB_JAR=${process.env.QUESTDB_JAR} does not exist (it is never fetched)`);
  const args = ['-q', 'dependency:get', `-Dartifact=${QUESTDB_ARTIFACT}`, '-Dtransitive=false'];
  const result = spawnSync('mvn', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error) throw new Error(`ensure-questdb: could not run \`mvn ${args.join(' ')}\`: ${result.error.message} (is Maven installed?)`);
  if (result.status !== 0) {
    throw new Error(`ensure-questdb: \`mvn ${args.join(' ')}\` exited with ${result.status ?? result.signal}:\n${result.stdout}${result.stderr}`);
  }
  const jar = findQuestDbJar();
  if (!jar) throw new Error(`ensure-questdb: \`mvn ${args.join(' ')}\` succeeded but ${questDbJarPath()} is absent`);
  return jar;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    console.log(ensureQuestDb());
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
