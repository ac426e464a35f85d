// workerEntry: a worker starts from the bundle beside its entry only when the bundle is current.
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { workerEntry } from './worker-entry.js';

const dirs: string[] = [];
afterEach(() => { for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true }); });

function entryWithBundle(entryAgeS: number, bundleAgeS: number | null): { entry: string; bundle: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'worker-entry-'));
  dirs.push(dir);
  const entry = path.join(dir, 'some-worker.js');
  const bundle = path.join(dir, 'some-worker.bundle.js');
  const now = Date.now() / 1000;
  writeFileSync(entry, 'export {};\n');
  utimesSync(entry, now - entryAgeS, now - entryAgeS);
  if (bundleAgeS !== null) {
    writeFileSync(bundle, 'export {};\n');
    utimesSync(bundle, now - bundleAgeS, now - bundleAgeS);
  }
  return { entry, bundle };
}

describe('workerEntry', () => {
  it('picks the bundle when it is at least as new as the entry', () => {
    const { entry, bundle } = entryWithBundle(60, 30);
    expect(workerEntry(pathToFileURL(entry)).href).toBe(pathToFileURL(bundle).href);
  });

  it('keeps the entry when the bundle is older (a tsc build after the last bundle step)', () => {
    const { entry } = entryWithBundle(30, 60);
    expect(workerEntry(pathToFileURL(entry)).href).toBe(pathToFileURL(entry).href);
  });

  it('keeps the entry without a bundle, and leaves .ts and bundle URLs alone', () => {
    const { entry } = entryWithBundle(30, null);
    expect(workerEntry(pathToFileURL(entry)).href).toBe(pathToFileURL(entry).href);
    const ts = pathToFileURL(entry.replace(/\.js$/, '.ts'));
    expect(workerEntry(ts).href).toBe(ts.href);
    const missing = pathToFileURL(path.join(tmpdir(), 'no-such-dir', 'w.js'));
    expect(workerEntry(missing).href).toBe(missing.href);
  });
});
