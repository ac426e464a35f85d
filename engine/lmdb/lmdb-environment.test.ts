// checkLmdbEnvironment against real environments written by lmdb-js, damaged copies of them
// (random bytes, cut short at several sizes) and paths that are files; and the CLI's answer
// (one line, exit 2) where lmdb-js alone would end the process with SIGSEGV or SIGBUS.
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { open } from 'lmdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLmdbEnvironment, LmdbEnvironmentError } from './index.js';

const root = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const CLI = path.join(root, 'dist', 'engine', 'cli', 'main.js');
let dir: string;
let good: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'qf-lmdb-check-'));
  good = path.join(dir, 'good');
  const env = open({ path: good });
  const db = env.openDB<string, number>({ name: 'things', encoding: 'json' });
  // One write transaction: the pages are appended, so the databases' roots are the file's last pages.
  env.transactionSync(() => {
    for (let i = 0; i < 2000; i++) db.putSync(i, `value ${i} `.repeat(20));
  });
  await env.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function copyOf(name: string): string {
  const copy = path.join(dir, name);
  cpSync(good, copy, { recursive: true });
  return copy;
}

function refusal(at: string): string {
  try {
    checkLmdbEnvironment(at, 'test store');
  } catch (error) {
    expect(error).toBeInstanceOf(LmdbEnvironmentError);
    return (error as Error).message;
  }
  throw new Error(`${at} was accepted`);
}

describe('checkLmdbEnvironment', () => {
  it('accepts a missing path, an empty directory and a real environment', () => {
    expect(() => checkLmdbEnvironment(path.join(dir, 'missing'), 'test store')).not.toThrow();
    mkdirSync(path.join(dir, 'empty'));
    expect(() => checkLmdbEnvironment(path.join(dir, 'empty'), 'test store')).not.toThrow();
    expect(() => checkLmdbEnvironment(good, 'test store')).not.toThrow();
  });

  it('refuses a file given as the directory, naming it', () => {
    const file = path.join(dir, 'plain.txt');
    writeFileSync(file, 'not a directory');
    expect(refusal(file)).toBe(`test store ${file} is a file, not an LMDB environment directory`);
  });

  it('refuses a data.mdb of random bytes', () => {
    const bad = path.join(dir, 'random');
    mkdirSync(bad);
    writeFileSync(path.join(bad, 'data.mdb'), randomFillSync(Buffer.alloc(100_000)));
    expect(refusal(bad)).toBe(`test store ${bad}: ${path.join(bad, 'data.mdb')} is not an LMDB data file (its first page is not an LMDB meta page); is this the right directory?`);
  });

  it('refuses a data.mdb cut short below its newest roots (here its last pages)', () => {
    const size = statSync(path.join(good, 'data.mdb')).size;
    for (const keep of [8192, Math.floor(size / 2), size - 4096]) {
      const cut = copyOf(`cut-${keep}`);
      truncateSync(path.join(cut, 'data.mdb'), keep);
      expect(refusal(cut), `cut to ${keep} of ${size} bytes`).toMatch(new RegExp(`test store ${cut}: .*data\\.mdb is cut short: its newest transaction \\(\\d+\\) has a database root at page \\d+, the file holds ${Math.floor(keep / 4096)} pages of 4096 bytes`));
    }
  });
});

describe('the CLI on a damaged store', () => {
  it('answers one line and exit 2 where lmdb-js would crash the process', () => {
    const random = path.join(dir, 'random-cli');
    mkdirSync(random);
    writeFileSync(path.join(random, 'data.mdb'), randomFillSync(Buffer.alloc(100_000)));
    const cut = copyOf('cut-cli');
    truncateSync(path.join(cut, 'data.mdb'), 8192);
    for (const args of [['models', 'ls', '--registry', random], ['killswitch', 'status', '--journal', random], ['data', 'ls', '--store', cut], ['models', 'ls', '--registry', cut]]) {
      const run = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
      expect(run.signal, `${args.join(' ')}: ended by a signal; stderr: ${run.stderr}`).toBeNull();
      expect(run.status, `${args.join(' ')}: ${run.stderr}`).toBe(2);
      expect(run.stderr.trim().split('\n'), `${args.join(' ')}: one line`).toHaveLength(1);
      expect(run.stderr).toMatch(/is not an LMDB data file|is cut short/);
    }
  }, 120_000);
});
