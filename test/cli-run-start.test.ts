// `quantflow run` before its session starts, as a user meets it (compiled CLI, real processes):
//   - a refused flag (--port abc) used to come after the journal directory and its instrument
//     list (instruments.json) were made: the journal was pinned to that start's instruments, and a
//     corrected configuration with another list was then refused on it;
//   - the start line of a live IB session said its credentials were 'none (paper: market data
//     only)': in live mode TWS authenticates its own user, and orders do go out;
//   - a relative live.journal was taken from the working directory: the same configuration
//     started from another directory opened another (empty) journal and recovered nothing.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './free-port.js';
import { quantflow } from './run-harness.js';

let dir: string;
let config: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'qf-run-start-'));
  config = path.join(dir, 'live-ib.yaml');
  // The example IB configuration, pointed at a loopback port nothing listens on.
  const port = await freePort();
  writeFileSync(config, readFileSync('config/examples/live-ib.yaml', 'utf8').replace(/port: 7497/, `port: ${port}`));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('quantflow run before the session starts', () => {
  it('refuses a bad --port before it makes the journal or records its instruments', async () => {
    const journal = path.join(dir, 'journal-bad-port');
    const run = await quantflow(['run', '--mode', 'paper', '--config', config, '--journal', journal, '--port', 'abc']);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr.trim()).toBe('quantflow: `--port` must be an integer in [0, 65535], was "abc"');
    expect(existsSync(journal), 'no journal directory (nor instruments.json) was made').toBe(false);
  });

  it('says a live IB session has no credentials because TWS authenticates its user, not that it is paper', async () => {
    const run = await quantflow(['run', '--mode', 'live', '--i-understand-live', '--config', config, '--journal', path.join(dir, 'journal-live'), '--no-serve'], 60_000);
    expect(run.stderr, run.stderr).toMatch(/^run: live on ib; .*credentials none \(TWS authenticates its own user\); journal /m);
    expect(run.stderr).not.toContain('paper: market data only');
  });

  it('opens a relative live.journal in the configuration file\'s directory, not the working directory, and prints the absolute path', async () => {
    // The example names `journal: .quantflow/live-ib-journal`; the CLI runs from the repository root.
    const run = await quantflow(['run', '--mode', 'paper', '--config', config, '--no-serve'], 60_000);
    const expected = path.join(dir, '.quantflow', 'live-ib-journal');
    expect(run.stderr, 'the start line names the journal under the configuration file\'s directory').toContain(`; journal ${expected} (live.journal of ${config}; fsync)`);
    expect(existsSync(path.join(expected, 'data.mdb')), 'the journal was made there').toBe(true);
  });
});
