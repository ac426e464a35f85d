// The crash harness (issue: crash-safe state). A live session trades often against the local
// simulated-venue server, in its own process, and is killed with SIGKILL:
//   - scripted: at 200+ points chosen to land on every kind of journal write (a venue record
//     received / journaled before it is published, before and after a commit, between the
//     commit and the sends, around a checkpoint's store), restarted after each;
//   - random: at seeded random times (the seed is printed).
// After each kill the session recovers (checkpoint + journal replay), reconciles and trades
// on. At the end the venue's account (every order, every fill, positions), the engine's book
// (cash, positions, round trips) and the absence of duplicate submissions are compared with
// an uninterrupted run of the same session. `replay --journal` then reproduces the
// uninterrupted session's decisions, hash for hash.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { open } from 'lmdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRASH_POINTS, replayJournal, type CrashPointName } from '../engine/live/index.js';
import { tradingFixture, type TradingFixture } from './trading-fixture.js';
import { seededRandom, sessionRunner, startVenue, venueAccount, type SessionOutput, type Venue } from './crash-harness.js';

const BARS = 1200;
const CHECKPOINT_EVERY = 40;
/** The fallback kill: this many venue records into a run that never reached its planned point. */
const FALLBACK_VISITS = 40;
/** Largest n of QF_CRASH_AT=<point>:<n> per point: how far a restarted process gets before that kill. */
/** (The journal's points, which the harness cycles through; not the webhooks' fill-before-outbox.) */
const MAX_VISITS: Record<(typeof CRASH_POINTS)[number], number> = {
  'inbound-received': 12, 'inbound-journaled': 12, 'commit-before': 3, 'commit-after': 3, 'command-sent': 3, 'snapshot-before-store': 1, 'snapshot-after-store': 1,
};

const dir = mkdtempSync(path.join(tmpdir(), 'qf-crash-'));
const venues: Venue[] = [];
let fixture: TradingFixture;
let reference: { output: SessionOutput; account: Awaited<ReturnType<typeof venueAccount>>; journalDir: string };

afterAll(async () => {
  for (const venue of venues) await venue.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function venueFor(name: string, faults?: { dropAfterMessages?: number }): Promise<Venue> {
  const venue = await startVenue(path.join(dir, name, 'venue'), fixture.files, faults);
  venues.push(venue);
  return venue;
}

beforeAll(async () => {
  fixture = await tradingFixture(BARS);
  const venue = await venueFor('uninterrupted');
  const session = sessionRunner(path.join(dir, 'uninterrupted'), venue.port, fixture.pipeline(false), CHECKPOINT_EVERY);
  const run = await session.run({ timeoutMs: 120_000 });
  expect(run.end, `the uninterrupted session ends by itself; stderr: ${run.stderr}`).toBe('finished');
  reference = { output: run.result!, account: await venueAccount(venue.port, [0]), journalDir: session.journalDir };
}, 240_000);

function expectSameAsUninterrupted(output: SessionOutput, account: Awaited<ReturnType<typeof venueAccount>>, label: string): void {
  expect(account.stats.duplicateSubmissions, `${label}: no client order id reached the venue twice (${account.stats.duplicateClientOrderIds.join(', ')})`).toBe(0);
  expect(account.fills, `${label}: the venue's fills, byte for byte (none lost, none extra)`).toEqual(reference.account.fills);
  expect(account.orders, `${label}: the order history at the venue`).toEqual(reference.account.orders);
  expect(account.positions, `${label}: the venue's positions`).toEqual(reference.account.positions);
  expect(output.book, `${label}: the engine's cash, positions and trade list`).toEqual(reference.output.book);
}

describe('crash harness', () => {
  it('an uninterrupted session trades often and its journal replays to the same decisions', async () => {
    expect(reference.account.orders.length, 'orders the session sent').toBeGreaterThan(40);
    expect(reference.account.fills.length).toBeGreaterThan(40);
    expect(reference.output.marketRecords).toBe(BARS);
    const replay = await replayJournal(reference.journalDir);
    expect(replay.firstMismatch, 'every journaled command comes out of the replay').toBeNull();
    expect(replay.decisionsHash, 'the replay decides exactly as the session did').toBe(reference.output.decisionsHash);
    expect(replay.book).toEqual(reference.output.book);
  }, 120_000);

  it('survives 200+ scripted SIGKILLs on every kind of journal write and ends as the uninterrupted run', async () => {
    const seed = Number(process.env.QF_CRASH_SEED ?? 20261206);
    const random = seededRandom(seed);
    const venue = await venueFor('scripted');
    const session = sessionRunner(path.join(dir, 'scripted'), venue.port, fixture.pipeline(false), CHECKPOINT_EVERY);
    const kills = new Map<CrashPointName, number>();
    let final: SessionOutput | undefined;
    const plan: string[] = [];
    for (let attempt = 0; attempt < 2000 && !final; attempt++) {
      const point = CRASH_POINTS[attempt % CRASH_POINTS.length];
      // A point a process may never reach (no command in a flush, no checkpoint due) gets a fallback, so each run ends soon.
      const crashAt = `${point}:${1 + Math.floor(random() * MAX_VISITS[point])}${point === 'inbound-received' ? '' : `,inbound-received:${FALLBACK_VISITS}`}`;
      const run = await session.run({ crashAt });
      expect(run.end, `seed ${seed}, QF_CRASH_AT=${crashAt} after ${plan.join(' ')}: ${run.stderr}`).not.toBe('failed');
      if (run.end === 'killed') {
        const fired = /crash point: ([a-z-]+):/.exec(run.stderr)?.[1] as CrashPointName | undefined;
        expect(fired, `a scripted kill names its point; stderr: ${run.stderr}`).toBeDefined();
        kills.set(fired!, (kills.get(fired!) ?? 0) + 1);
        plan.push(crashAt);
      } else {
        final = run.result;
      }
    }
    const total = [...kills.values()].reduce((a, b) => a + b, 0);
    process.stderr.write(`scripted crash harness (seed ${seed}): ${total} kills: ${[...kills].map(([point, n]) => `${point} ${n}`).join(', ')}\n`);
    expect(total, `kills (seed ${seed})`).toBeGreaterThanOrEqual(200);
    for (const point of CRASH_POINTS) expect(kills.get(point) ?? 0, `kills at ${point}`).toBeGreaterThanOrEqual(5);
    expect(final, `seed ${seed}: the session finished`).toBeDefined();
    expectSameAsUninterrupted(final!, await venueAccount(venue.port, [0]), `seed ${seed}`);
    const replay = await replayJournal(session.journalDir);
    expect(replay.firstMismatch, 'the crashed session\'s journal replays to the same commands').toBeNull();
    expect(replay.book).toEqual(reference.output.book);
  }, 1_200_000);

  it('reconnects after every dropped venue connection, reconciles, and ends as the uninterrupted run', async () => {
    const venue = await venueFor('dropped', { dropAfterMessages: 400 });
    const session = sessionRunner(path.join(dir, 'dropped'), venue.port, fixture.pipeline(false), CHECKPOINT_EVERY);
    const run = await session.run({ timeoutMs: 300_000 });
    expect(run.end, run.stderr).toBe('finished');
    expect(run.result!.reconnects, 'the venue drops each connection after 400 frames').toBeGreaterThan(3);
    expect(run.stderr).toMatch(/reconciliation \(reconnect\)/);
    const account = await venueAccount(venue.port, [0]);
    expectSameAsUninterrupted(run.result!, account, 'dropped connections');
  }, 400_000);

  // A checkpoint image is the core's memory as the build that took it laid it out. After an
  // upgrade (another core.wasm) the newest checkpoint is not restored: the journal replays from
  // its start. Both cases: a checkpoint naming another build, and one naming none (taken by a
  // QuantFlow from before checkpoints recorded their build).
  for (const variant of ['another build', 'no build named'] as const) {
    it(`does not restore a checkpoint taken by ${variant === 'another build' ? 'another core build' : 'a build it does not name'}: replays the journal from its start and ends as the uninterrupted run`, async () => {
      const name = variant === 'another build' ? 'other-build' : 'unnamed-build';
      const venue = await venueFor(name);
      const session = sessionRunner(path.join(dir, name), venue.port, fixture.pipeline(false), CHECKPOINT_EVERY);
      const first = await session.run({ crashAt: 'inbound-received:600' });
      expect(first.end, first.stderr).toBe('killed');
      const env = open({ path: session.journalDir });
      try {
        const headers = env.openDB<{ inboundSeq: string; meta: Record<string, string | number> }, number>({ name: 'snapshot-headers', encoding: 'json' });
        const ids = [...headers.getKeys()];
        expect(ids.length, 'the first process stored checkpoints').toBeGreaterThan(0);
        for (const id of ids) {
          const header = headers.get(id)!;
          expect(header.meta.core, 'a checkpoint names the core build that took it').toMatch(/^[0-9a-f]{64}$/);
          const meta = { ...header.meta };
          if (variant === 'another build') meta.core = 'f'.repeat(64);
          else delete meta.core;
          await headers.put(id, { ...header, meta });
        }
      } finally {
        await env.close();
      }
      const second = await session.run({ timeoutMs: 120_000 });
      expect(second.end, second.stderr).toBe('finished');
      expect(second.stderr).toMatch(variant === 'another build'
        ? /recovery: the newest checkpoint \(inbound \d+\) was taken by another core build \(core\.wasm sha256 ffffffffffff…\); this one is [0-9a-f]{12}…: not restored, the journal replays from its start/
        : /recovery: the newest checkpoint \(inbound \d+\) was taken by a core build it does not name/);
      expect(second.result!.recoveredFromInboundSeq, 'no checkpoint restored').toBe('0');
      expect(second.result!.replayedRecords, 'the first process\'s journaled records (about 600) replayed, not the few after a checkpoint').toBeGreaterThan(500);
      expectSameAsUninterrupted(second.result!, await venueAccount(venue.port, [0]), variant);
    }, 300_000);
  }

  it('survives SIGKILLs at random times (seed printed) and ends as the uninterrupted run', async () => {
    const seed = Number(process.env.QF_RANDOM_CRASH_SEED ?? Date.now() % 1_000_000);
    process.stderr.write(`random crash harness: seed ${seed} (QF_RANDOM_CRASH_SEED=${seed} repeats it)\n`);
    const random = seededRandom(seed);
    const venue = await venueFor('random');
    const session = sessionRunner(path.join(dir, 'random'), venue.port, fixture.pipeline(false), CHECKPOINT_EVERY);
    let kills = 0;
    let final: SessionOutput | undefined;
    for (let attempt = 0; attempt < 200 && !final; attempt++) {
      const killAfterMs = attempt < 30 ? 300 + Math.floor(random() * 900) : undefined;
      const run = await session.run({ killAfterMs, timeoutMs: 120_000 });
      expect(run.end, `seed ${seed}, attempt ${attempt}: ${run.stderr}`).not.toBe('failed');
      if (run.end === 'killed') kills++;
      else final = run.result;
    }
    process.stderr.write(`random crash harness (seed ${seed}): ${kills} kills\n`);
    expect(kills, `seed ${seed}`).toBeGreaterThan(0);
    expectSameAsUninterrupted(final!, await venueAccount(venue.port, [0]), `seed ${seed}`);
  }, 600_000);
});
