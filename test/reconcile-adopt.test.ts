// Reconciliation policy `adopt` (engine/live/reconcile.ts) against the local simulated-venue
// server, with the session in its own process: an order placed at the venue by another client
// is adopted on start (a working order of the core's table, with the venue's id, counted in the
// working exposure; the report says adopted); when the venue fills it the position moves and
// the fill is journaled once, under the engine's id; `quantflow replay --journal` reproduces the
// session's decisions; a session killed with SIGKILL after adopting and restarted registers the
// adoption again instead of adopting twice. A push adapter (ccxt) refuses the policy at start.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SimVenueAdapter } from '../adapters/sim-venue/index.js';
import { Journal, type JournalEntry } from '../engine/journal/index.js';
import { EV_ID, EV_KIND, EV_SIZE, EventKind, KIND_MASK } from '../engine/layout/event-record.js';
import { pipelineToJson } from '../engine/live/index.js';
import { OrderFlag, OrderState } from '../engine/orders/index.js';
import { startVenue, type Venue } from './crash-harness.js';
import { RunHarness } from './run-harness.js';
import { TEST_API_KEY, TEST_SECRET } from './venues/binance-sim/index.js';
import { tradingFixture, type TradingFixture } from './trading-fixture.js';

const root = path.resolve(import.meta.dirname, '..');
const cli = path.join(root, 'dist', 'engine', 'cli', 'main.js');
const dir = mkdtempSync(path.join(tmpdir(), 'qf-adopt-'));
const venues: Venue[] = [];
const children: ChildProcess[] = [];
let fixture: TradingFixture;

/**
 * One live session process with policy adopt (dist modules; `npx tsc` first). After the start
 * reconciliation it prints `TABLE <json>`: the adopted live orders and instrument 0's working buys.
 */
const SESSION_SCRIPT = `
import { SimVenueAdapter } from ${JSON.stringify(path.join(root, 'dist', 'adapters', 'sim-venue', 'index.js'))};
import { runLiveSession, liveOrders, pipelineFromJson } from ${JSON.stringify(path.join(root, 'dist', 'engine', 'live', 'index.js'))};
import { readInstrumentRisk } from ${JSON.stringify(path.join(root, 'dist', 'engine', 'pipeline', 'index.js'))};
import { readFileSync } from 'node:fs';
const options = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const adapter = new SimVenueAdapter({ host: '127.0.0.1', port: options.venuePort });
let host;
const big = (_k, v) => (typeof v === 'bigint' ? v.toString() : v);
try {
  const result = await runLiveSession({
    journalDir: options.journalDir, pipeline: pipelineFromJson(options.pipelineJson), adapter, checkpointEvery: 50,
    reconcile: { foreignOrders: 'adopt', resubmitWithinNs: 5000000000n, positionTolerance: 1e-9 },
    log: (line) => process.stderr.write(line + '\\n'),
    watcher: {
      engineStarted: (h) => { host = h; },
      phase: (phase) => {
        if (phase !== 'trading') return;
        const adopted = liveOrders(host.memory, [0]).filter((o) => (o.flags & ${OrderFlag.ADOPTED}) !== 0);
        process.stdout.write('TABLE ' + JSON.stringify({ adopted, pendingBuy: readInstrumentRisk(host.memory, 0).pendingBuy }, big) + '\\n');
      },
    },
  });
  process.stdout.write('RESULT ' + JSON.stringify({ book: result.book, decisionsHash: result.decisionsHash, adopted: result.reconciliation.adoptedOrders }, big) + '\\n');
} catch (error) {
  process.stderr.write('session: ' + error.message + '\\n');
  process.exit(1);
}
`;

interface Run { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

function sessionProcess(name: string, venuePort: number): { journalDir: string; run(killWhen?: (stderr: string) => boolean): Promise<Run> } {
  const sessionDir = path.join(dir, name);
  const journalDir = path.join(sessionDir, 'journal');
  const script = path.join(dir, 'adopt-session.mjs');
  writeFileSync(script, SESSION_SCRIPT);
  const optionsFile = path.join(dir, `${name}.json`);
  writeFileSync(optionsFile, JSON.stringify({ journalDir, venuePort, pipelineJson: pipelineToJson(fixture.pipeline(false)) }));
  return {
    journalDir,
    run: (killWhen) => new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [script, optionsFile], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      const out: Run = { code: null, signal: null, stdout: '', stderr: '' };
      const bound = setTimeout(() => child.kill('SIGKILL'), 180_000);
      child.stdout.on('data', (b: Buffer) => { out.stdout += b.toString(); });
      child.stderr.on('data', (b: Buffer) => {
        out.stderr += b.toString();
        if (killWhen?.(out.stderr) && child.exitCode === null) child.kill('SIGKILL');
      });
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        clearTimeout(bound);
        resolve({ ...out, code, signal });
      });
    }),
  };
}

function line(run: Run, tag: string): Record<string, unknown> {
  const found = run.stdout.split('\n').find((l) => l.startsWith(`${tag} `));
  if (!found) throw new Error(`no ${tag} line in the session's stdout\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  return JSON.parse(found.slice(tag.length + 1));
}

function journalEntries(journalDir: string): JournalEntry[] {
  const journal = Journal.open(journalDir);
  try {
    return [...journal.read(1n)].map((v) => v.entry);
  } finally {
    journal.close();
  }
}

/** Inbound records of `kind` about order `id` in the journal. */
function inboundOf(entries: JournalEntry[], kind: number, id: bigint): DataView[] {
  return entries.flatMap((e) => {
    if (e.type !== 'inbound') return [];
    const view = new DataView(e.record.buffer, e.record.byteOffset, 64);
    return (view.getInt32(EV_KIND, true) & KIND_MASK) === kind && view.getBigUint64(EV_ID, true) === id ? [view] : [];
  });
}

async function venueWithForeignOrder(name: string, orderId: bigint, qty: number, limitPrice: number): Promise<{ venue: Venue; manual: SimVenueAdapter }> {
  const venue = await startVenue(path.join(dir, name, 'venue'), fixture.files);
  venues.push(venue);
  const manual = new SimVenueAdapter({ host: '127.0.0.1', port: venue.port });
  manual.onRecord(() => undefined);
  await manual.connect();
  manual.submit({ orderId, clientOrderId: `qf-${orderId}`, instrument: 0, qty, orderType: 1, timeInForce: 0, limitPrice, stopPrice: 0, flags: 0, decisionNs: 0n });
  await manual.sync();
  expect((await manual.openOrders()).map((o) => o.clientOrderId), 'the other client\'s order rests at the venue').toEqual([`qf-${orderId}`]);
  return { venue, manual };
}

beforeAll(async () => {
  fixture = await tradingFixture(400);
}, 60_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const venue of venues) await venue.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('reconciliation policy adopt (sim venue)', () => {
  it('adopts a foreign order on start (working, venue id, exposure), applies its fill once, and replays to the same decisions', async () => {
    // A buy limit above the first bars' prices: it rests until the venue's first bar, then fills.
    const limit = Math.round(fixture.series[0].close[0] * 1.05);
    const { manual } = await venueWithForeignOrder('fills', 900_001n, 0.02, limit);
    const session = sessionProcess('fills', venues[venues.length - 1].port);
    const run = await session.run();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr, 'the report says adopted').toMatch(/reconciliation \(start\): [^\n]*1 foreign, 0 position mismatches, 1 adopted/);
    expect(run.stderr).toMatch(/order qf-900001: live at the venue, not ours; adopted as engine order (\d+) \(OPEN, qty 0\.02, filled 0\)/);
    const table = line(run, 'TABLE') as { adopted: { id: string; state: number; qty: number; venueOrderId: string; limitPrice: number }[]; pendingBuy: number };
    expect(table.adopted, 'one adopted order in the table').toHaveLength(1);
    const adopted = table.adopted[0];
    expect(adopted, 'working, with the venue id and the limit').toMatchObject({ state: OrderState.OPEN, qty: 0.02, venueOrderId: '900001', limitPrice: limit });
    expect(table.pendingBuy, 'its leaves count in the working exposure').toBeCloseTo(0.02, 12);

    const engineId = BigInt(adopted.id);
    const entries = journalEntries(session.journalDir);
    const adoptions = entries.filter((e) => e.type === 'orderAdopted');
    expect(adoptions, 'OrderAdopted journaled once').toEqual([{ type: 'orderAdopted', orderId: engineId, clientOrderId: 'qf-900001', venueOrderId: 900_001n, instrument: 0 }]);
    const fills = inboundOf(entries, EventKind.FILL, engineId);
    expect(fills.map((f) => f.getFloat64(EV_SIZE, true)), 'the venue\'s fill of it journaled once, under the engine id').toEqual([0.02]);
    expect(inboundOf(entries, EventKind.FILL, 900_001n), 'never under the venue id').toEqual([]);
    expect((await manual.order('qf-900001'))?.state, 'filled at the venue').toBe(OrderState.FILLED);
    const venuePosition = (await manual.positions()).find((p) => p.instrument === 0)?.qty ?? 0;
    const result = line(run, 'RESULT') as { book: { positions: { instrument: number; position: number }[] }; decisionsHash: string };
    expect(result.book.positions.find((p) => p.instrument === 0)?.position, 'the position moved with the fill: it equals the venue\'s').toBeCloseTo(venuePosition, 9);
    await manual.close();

    const replay = spawnSync(process.execPath, [cli, 'replay', '--journal', session.journalDir, '--no-progress'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    expect(replay.status, replay.stderr).toBe(0);
    expect(replay.stdout).toMatch(/commands: (\d+) decided again, \1 journaled: every one identical/);
    expect(replay.stdout, 'the replay reproduces the adoption and every decision after it').toContain(`sha256 ${result.decisionsHash}`);
  }, 300_000);

  it('killed with SIGKILL after adopting, the restarted session registers the adoption again and does not adopt twice', async () => {
    // A buy limit far under the market: it stays working at the venue for the whole run.
    const { venue, manual } = await venueWithForeignOrder('restart', 900_002n, 0.01, 1);
    const session = sessionProcess('restart', venue.port);
    const first = await session.run((stderr) => /adopted as engine order \d+/.test(stderr));
    expect(first.signal, `killed after adopting; stderr:\n${first.stderr}`).toBe('SIGKILL');
    const second = await session.run();
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr, 'the journaled adoption is registered with the adapter again').toContain('recovery: 1 adopted venue orders registered with');
    expect(second.stderr, 'it counts as ours: nothing foreign, nothing adopted').toMatch(/reconciliation \(start\): [^\n]*0 foreign, 0 position mismatches, 0 adopted/);
    const table = line(second, 'TABLE') as { adopted: { state: number; venueOrderId: string }[]; pendingBuy: number };
    expect(table.adopted.map((o) => o.venueOrderId), 'one adopted order, not two').toEqual(['900002']);
    const entries = journalEntries(session.journalDir);
    expect(entries.filter((e) => e.type === 'orderAdopted'), 'adopted once in the journal').toHaveLength(1);
    expect((await manual.order('qf-900002'))?.state, 'still working at the venue').toBe(OrderState.OPEN);
    expect((await manual.order('qf-900002'))?.submissions, 'its client order id reached the venue once: the session never sent it').toBe(1);
    expect(table.pendingBuy, 'the recovered adoption still counts in the working exposure').toBeGreaterThanOrEqual(0.01 - 1e-12);
    await manual.close();
    const replay = spawnSync(process.execPath, [cli, 'replay', '--journal', session.journalDir, '--no-progress'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    expect(replay.status, replay.stderr).toBe(0);
    expect(replay.stdout).toMatch(/commands: (\d+) decided again, \1 journaled: every one identical/);
  }, 300_000);
});

describe('reconciliation policy adopt (push adapter)', () => {
  const harness = new RunHarness();
  afterEach(() => harness.cleanup());

  it('`quantflow run` with a ccxt venue refuses policy adopt at start, naming the adapter and the setting', async () => {
    const { config } = await harness.setup('adopt-refused');
    appendFileSync(config, '  reconcile: { foreignOrders: adopt }\n');
    const child = harness.start(['--mode', 'live', '--config', config, '--i-understand-live'], { TEST_BINANCE_KEY: TEST_API_KEY, TEST_BINANCE_SECRET: TEST_SECRET });
    const { code } = await child.exit;
    expect(code, child.stderr).not.toBe(0);
    expect(child.stderr).toMatch(/live\.reconcile\.foreignOrders: adopt is not supported by the \S+ adapter/);
    expect(child.stderr, 'no stack trace').not.toMatch(/\n\s+at /);
    expect(child.stderr, 'refused before reconciling').not.toMatch(/reconciliation \(start\)/);
  }, 120_000);
});
