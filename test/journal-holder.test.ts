// Who holds a live session's journal (engine/live session-control.ts: `session.pid` beside the
// journal): of two processes that start on one journal at once exactly one holds it, a holder's
// pid file is never overwritten or removed by another process, and a pid file left by a killed
// process does not block the next start, even once its pid names another process.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SessionControlRefused, holdJournal, journalHolder, releaseJournal } from '../engine/live/index.js';
import { childEnv } from './child-env.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function journalDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'qf-holder-'));
  dirs.push(dir);
  return dir;
}

/** A process that stays alive until killed; resolves with its pid once it runs. */
function idleProcess(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', 'process.stdout.write("up\\n"); setInterval(() => {}, 1000)'], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.once('data', () => resolve(child));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

const pidFile = (dir: string): string => path.join(dir, 'session.pid');

const holderModule = path.join(repoRoot, 'engine', 'live', 'session-control.ts');

/** A process that holds `dir`'s journal (holdJournal) and stays alive until killed. */
function holdingProcess(dir: string): Promise<ChildProcess> {
  const script = `const { holdJournal } = await import(${JSON.stringify(holderModule)}); holdJournal(${JSON.stringify(dir)}); process.stdout.write('held\\n'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot, env: childEnv(), stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the holding process exited (${code}) before it held the journal`)));
    child.stdout!.once('data', () => resolve(child));
  });
}

describe('journal holder (session.pid)', () => {
  it('refuses to take a journal a live process holds, and leaves its pid file as it was', async () => {
    const dir = journalDir();
    const other = await idleProcess();
    writeFileSync(pidFile(dir), `${other.pid}\n`);
    expect(() => holdJournal(dir), 'a second holder is refused').toThrow(SessionControlRefused);
    expect(() => holdJournal(dir)).toThrow(`held by a running session (pid ${other.pid})`);
    expect(readFileSync(pidFile(dir), 'utf8').trim(), 'the holder\'s pid file still names the holder').toBe(String(other.pid));
    releaseJournal(dir);
    expect(readFileSync(pidFile(dir), 'utf8').trim(), 'a release by a process that does not hold the journal removes nothing').toBe(String(other.pid));
    expect(journalHolder(dir)).toBe(other.pid);
    other.kill('SIGKILL');
    await exited(other);
  });

  it('takes a journal whose pid file a killed process left, and releases it', async () => {
    const dir = journalDir();
    const killed = await idleProcess();
    writeFileSync(pidFile(dir), `${killed.pid}\n`);
    killed.kill('SIGKILL');
    await exited(killed);
    holdJournal(dir);
    expect(readFileSync(pidFile(dir), 'utf8').split(/\s+/)[0], 'the pid file names this process now').toBe(String(process.pid));
    releaseJournal(dir);
    expect(existsSync(pidFile(dir)), 'released: no pid file').toBe(false);
  });

  it('does not take the process that reused a killed holder\'s pid for the holder', async () => {
    const dir = journalDir();
    const holder = await holdingProcess(dir);
    expect(journalHolder(dir), 'the running holder holds the journal').toBe(holder.pid);
    expect(() => holdJournal(dir)).toThrow(`held by a running session (pid ${holder.pid})`);
    holder.kill('SIGKILL');
    await exited(holder);
    // The killed holder's pid file, its pid now another (live) process's: what a pid reuse leaves.
    const other = await idleProcess();
    writeFileSync(pidFile(dir), readFileSync(pidFile(dir), 'utf8').replace(/^\d+/, String(other.pid)));
    expect(journalHolder(dir), `pid ${other.pid} started after the holder did: it is not the holder`).toBeNull();
    holdJournal(dir);
    expect(readFileSync(pidFile(dir), 'utf8').split(/\s+/)[0], 'the next start holds the journal').toBe(String(process.pid));
    releaseJournal(dir);
    other.kill('SIGKILL');
    await exited(other);
  });

  it('lets exactly one of several processes that start at once hold the journal', async () => {
    const dir = journalDir();
    // Each child waits for the same start time, then tries to hold the journal, says how it went and stays alive until killed.
    const startAt = Date.now() + 1500;
    const script = `
      const { holdJournal } = await import(${JSON.stringify(holderModule)});
      while (Date.now() < ${startAt}) {}
      let result;
      try { holdJournal(${JSON.stringify(dir)}); result = 'held'; } catch (error) { result = 'refused: ' + error.message; }
      process.stdout.write(result + '\\n');
      setInterval(() => {}, 1000);`;
    const racers = Array.from({ length: 3 }, () => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot, env: childEnv(), stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(child);
      return new Promise<{ pid: number; result: string }>((resolve, reject) => {
        let out = '';
        child.once('error', reject);
        child.once('exit', (code) => reject(new Error(`racer ${child.pid} exited (${code}) before it answered: ${out}`)));
        child.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.endsWith('\n')) resolve({ pid: child.pid!, result: out.trim() });
        });
      });
    });
    const results = await Promise.all(racers);
    const held = results.filter((r) => r.result === 'held');
    expect(held.map((r) => r.pid), `exactly one process holds the journal: ${JSON.stringify(results)}`).toHaveLength(1);
    expect(readFileSync(pidFile(dir), 'utf8').split(/\s+/)[0], 'the pid file names the one that holds it').toBe(String(held[0].pid));
    for (const r of results.filter((x) => x.result !== 'held')) expect(r.result).toContain(`held by a running session (pid ${held[0].pid})`);
  }, 60_000);
});
