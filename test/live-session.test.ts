// The live session (engine/live) against the local simulated-venue server, in their own
// processes: a journal replayed by `quantflow replay --journal` gives the session's decisions
// hash for hash; an order at the venue that is not ours is found and cancelled by the
// reconciliation on start; a journal that cannot be written (a real write failure: a file-size
// limit) stops trading with a clear error, and every order the venue got is in the journal.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimVenueAdapter } from '../adapters/sim-venue/index.js';
import { Journal } from '../engine/journal/index.js';
import { replayJournal } from '../engine/live/index.js';
import { tradingFixture, type TradingFixture } from './trading-fixture.js';
import { sessionRunner, startVenue, type Venue } from './crash-harness.js';

const root = path.resolve(import.meta.dirname, '..');
const cli = path.join(root, 'dist', 'engine', 'cli', 'main.js');
const dir = mkdtempSync(path.join(tmpdir(), 'qf-live-'));
const venues: Venue[] = [];
let fixture: TradingFixture;

beforeAll(async () => {
  fixture = await tradingFixture(400);
}, 60_000);

afterAll(async () => {
  for (const venue of venues) await venue.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function venueFor(name: string): Promise<Venue> {
  const venue = await startVenue(path.join(dir, name, 'venue'), fixture.files);
  venues.push(venue);
  return venue;
}

describe('live session', () => {
  it('replays its journal through `quantflow replay --journal` to the same decisions, and cancels a foreign order on start', async () => {
    const venue = await venueFor('replay');
    const manual = new SimVenueAdapter({ host: '127.0.0.1', port: venue.port });
    manual.onRecord(() => undefined);
    await manual.connect();
    manual.submit({ orderId: 999_999n, clientOrderId: 'qf-999999', instrument: 0, qty: 0.5, orderType: 1, timeInForce: 0, limitPrice: 1, stopPrice: 0, flags: 0, decisionNs: 0n });
    await manual.sync();
    expect((await manual.openOrders()).map((o) => o.clientOrderId), 'an order placed by another client (our prefix, an id this journal never used) rests at the venue').toEqual(['qf-999999']);

    const session = sessionRunner(path.join(dir, 'replay'), venue.port, fixture.pipeline(false), 100);
    const run = await session.run({ timeoutMs: 120_000 });
    expect(run.end, run.stderr).toBe('finished');
    expect(run.stderr, 'the reconciliation report is printed').toMatch(/reconciliation \(start\): .*1 foreign/);
    expect(run.stderr).toContain('order qf-999999: live at the venue, not ours; cancel sent');
    const foreign = await manual.order('qf-999999');
    expect(foreign?.state, 'the foreign order was cancelled (OrderState CANCELED)').toBe(8);
    await manual.close();
    const journal = Journal.open(session.journalDir);
    const reports = [...journal.read(1n)].filter((r) => r.entry.type === 'reconciliation');
    journal.close();
    expect(reports.length, 'the reconciliation report is journaled').toBe(1);

    const replay = spawnSync(process.execPath, [cli, 'replay', '--journal', session.journalDir, '--no-progress'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    expect(replay.status, replay.stderr).toBe(0);
    expect(replay.stdout).toMatch(/commands: (\d+) decided again, \1 journaled: every one identical/);
    expect(replay.stdout, 'the replay prints the hash of the session\'s decisions').toContain(`sha256 ${run.result!.decisionsHash}`);
    const missing = spawnSync(process.execPath, [cli, 'replay', '--journal', path.join(dir, 'nowhere')], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('--journal: ');
  }, 240_000);

  it('journals a kill-switch trip; an authenticated reset on the stopped session\'s journal is replayed where it was journaled', async () => {
    const tight = await tradingFixture(400, 1, 'risk:\n  maxDrawdownPct: 0.0005\n');
    const venue = await venueFor('killswitch');
    const session = sessionRunner(path.join(dir, 'killswitch'), venue.port, tight.pipeline(false), 100);
    const first = await session.run({ timeoutMs: 120_000 });
    expect(first.end, first.stderr).toBe('finished');
    expect(first.stderr, 'the trip is reported').toMatch(/kill switch: TRIPPED \(equity [\d.]+ fell [\d.]+% below the high-water mark [\d.]+\); journaled; no new exposure/);
    expect(first.result!.book.halted).toBe(true);
    const env = { ...process.env, QF_CONTROL_SECRET: 'test-secret-of-at-least-32-characters!!' };
    const cliRun = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000, env });
    const status = cliRun(['killswitch', 'status', '--journal', session.journalDir]);
    expect(status.stdout, status.stderr).toMatch(/^kill switch: HALTED \(journal record \d+\), tripped by risk\.drawdown: equity/);

    const refused = cliRun(['killswitch', 'reset', '--journal', session.journalDir, '--reason', 'no token']);
    expect(refused.status, 'a reset without a token is refused').toBe(3);
    expect(refused.stderr).toContain('kill switch reset refused: a signed control token is required');
    const token = cliRun(['killswitch', 'token', '--subject', 'operator:alice']).stdout.trim();
    const reset = cliRun(['killswitch', 'reset', '--journal', session.journalDir, '--reason', 'drawdown reviewed', '--token', token]);
    expect(reset.status, reset.stderr).toBe(0);
    expect(reset.stdout).toMatch(/^kill switch reset: journal record \d+ by operator:alice: drawdown reviewed \(it was tripped by risk\.drawdown: /);
    const again = cliRun(['killswitch', 'reset', '--journal', session.journalDir, '--reason', 'twice', '--token', token]);
    expect(again.status, 'the same token again: refused').toBe(3);
    expect(again.stderr, 'a used token is refused before anything else (its jti is in the journal directory\'s ledger)').toMatch(/kill switch reset refused: control token rejected: it was used already/);
    expect(existsSync(path.join(session.journalDir, 'used-control-tokens')), 'the ledger is the journal\'s').toBe(true);

    const second = await session.run({ timeoutMs: 120_000 });
    expect(second.end, second.stderr).toBe('finished');
    expect(second.stderr).toContain('kill switch: reset by operator:alice (drawdown reviewed)');
    expect(second.result!.book.halted, 'the restarted session is no longer halted').toBe(false);
    const replay = await replayJournal(session.journalDir);
    expect(replay.firstMismatch).toBeNull();
    expect(replay.book, 'the replay applies the reset where it was journaled and ends in the same book').toEqual(second.result!.book);
  }, 240_000);

  it.skipIf(process.platform === 'win32')('stops trading with a clear error when the journal cannot be written, and never sent an order it had not journaled', async () => {
    const venue = await venueFor('disk-full');
    const session = sessionRunner(path.join(dir, 'disk-full'), venue.port, fixture.pipeline(false), 0);
    const limited = await runUnderFileSizeLimit(session.optionsFile, 256);

    expect(limited.code, `the session exits with an error; stderr: ${limited.stderr}`).toBe(1);
    expect(limited.stderr, 'the error names the journal and the failed commit').toMatch(new RegExp(`session: trading stopped \\(no order leaves without its journal record\\): journal ${session.journalDir.replace(/[/.]/g, '\\$&')}: commit of sequences \\d+\\.\\.\\d+ failed`));
    const journal = Journal.open(session.journalDir);
    const journaled = new Set([...journal.read(1n)].flatMap((r) => (r.entry.type === 'submit' ? [r.entry.clientOrderId] : [])));
    journal.close();
    const adapter = new SimVenueAdapter({ host: '127.0.0.1', port: venue.port });
    adapter.onRecord(() => undefined);
    await adapter.connect();
    const seen: string[] = [];
    for (let id = 1; id < 10_000 && seen.length < (await adapter.stats()).submissions; id++) {
      const order = await adapter.order(`qf-${id}`);
      if (order) seen.push(order.clientOrderId);
    }
    await adapter.close();
    expect(seen.length, 'the session traded before the disk filled').toBeGreaterThan(0);
    expect(seen.filter((id) => !journaled.has(id)), 'orders the venue got that the journal does not hold').toEqual([]);
  }, 120_000);
});

function runUnderFileSizeLimit(optionsFile: string, blocks: number): Promise<{ code: number | null; stderr: string }> {
  const script = path.join(root, 'dist', 'tools', 'crash-harness', 'session-process.js');
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', `ulimit -f ${blocks} && exec "$@"`, 'sh', process.execPath, script, optionsFile], { cwd: root });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const deadline = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(deadline);
      resolve({ code, stderr });
    });
  });
}
