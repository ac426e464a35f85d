// The ML expert in a live session (engine/live with a ModelFeed): the core's FEATURES records
// are answered with MODEL records that are journaled before they are published, in lockstep
// with the venue, and a session killed anywhere (between a bar and its answer included) and
// recovered trades exactly as the uninterrupted one: same fills at the venue, same book, no
// duplicate submission, every bar answered once in the journal.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Journal } from '../engine/journal/index.js';
import { QuantileModelSet } from '../engine/models/index.js';
import { EV_INSTRUMENT, EV_KIND, EV_TS_EXCHANGE, EventKind, KIND_MASK } from '../engine/layout/event-record.js';
import type { PipelineSpec } from '../engine/pipeline/index.js';
import { tradingFixture, type TradingFixture } from './trading-fixture.js';
import { sessionRunner, startVenue, venueAccount, type SessionOutput, type Venue } from './crash-harness.js';

/** The bundled model's first fold may serve bars from 2024-07-23 (bar ~2,357 of the BTC file): 2,800 bars give ~440 answered bars. */
const BARS = 2800;
const CHECKPOINT_EVERY = 200;
const MODEL_DIR = path.resolve(import.meta.dirname, '..', 'data', 'models', 'btc-1h-q5');

const dir = mkdtempSync(path.join(tmpdir(), 'qf-live-model-'));
const venues: Venue[] = [];
let fixture: TradingFixture;
let features: readonly string[];
let reference: { output: SessionOutput; account: Awaited<ReturnType<typeof venueAccount>>; journalDir: string };

afterAll(async () => {
  for (const venue of venues) await venue.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function venueFor(name: string): Promise<Venue> {
  const venue = await startVenue(path.join(dir, name, 'venue'), fixture.files);
  venues.push(venue);
  return venue;
}

function withModel(spec: PipelineSpec): PipelineSpec {
  return { ...spec, instruments: spec.instruments.map((entry) => ({ ...entry, model: { features, waitNs: 250_000_000n } })) };
}

/** The MODEL records of a finished session's journal, as instrument:bar close, in journal order, with their inbound sequences; and the inbound count. */
function journaledAnswers(journalDir: string): { keys: string[]; inboundSeqs: bigint[]; inbound: number } {
  const journal = Journal.open(journalDir);
  try {
    const keys: string[] = [];
    const inboundSeqs: bigint[] = [];
    let inbound = 0;
    for (const view of journal.read(1n)) {
      if (view.entry.type !== 'inbound') continue;
      inbound++;
      const record = view.entry.record;
      const data = new DataView(record.buffer, record.byteOffset, 64);
      if ((data.getInt32(EV_KIND, true) & KIND_MASK) !== EventKind.MODEL) continue;
      keys.push(`${data.getInt32(EV_INSTRUMENT, true)}:${data.getBigInt64(EV_TS_EXCHANGE, true)}`);
      inboundSeqs.push(view.entry.inboundSeq);
    }
    return { keys, inboundSeqs, inbound };
  } finally {
    journal.close();
  }
}

beforeAll(async () => {
  fixture = await tradingFixture(BARS, 1, ['fusion:', '  ml:', '    horizonBars: 12', ''].join('\n'));
  const set = await QuantileModelSet.load(MODEL_DIR);
  features = set.metadata.features;
  await set.release();
  const venue = await venueFor('uninterrupted');
  const session = sessionRunner(path.join(dir, 'uninterrupted'), venue.port, withModel(fixture.pipeline(false)), CHECKPOINT_EVERY, { model: { dir: MODEL_DIR, symbols: ['BTCUSDT'] } });
  const run = await session.run({ timeoutMs: 180_000 });
  expect(run.end, `the uninterrupted session ends by itself; stderr: ${run.stderr}`).toBe('finished');
  reference = { output: run.result!, account: await venueAccount(venue.port, [0]), journalDir: session.journalDir };
}, 300_000);

describe('live session with the ML expert', () => {
  it('answers every bar a fold may serve with one journaled MODEL record, and the answers change the trading', async () => {
    const model = reference.output.model!;
    expect(model.state, 'the model serves').toBe('serving');
    expect(model.counters.predictions, 'bars after the first fold was trained get answers').toBeGreaterThan(300);
    expect(model.counters.failures, 'no inference failed').toBe(0);
    const answers = journaledAnswers(reference.journalDir).keys;
    expect(answers.length, 'every prediction is journaled as an inbound MODEL record').toBe(model.counters.predictions);
    expect(new Set(answers).size, 'no bar is answered twice').toBe(answers.length);

    const venue = await venueFor('without-model');
    const plain = sessionRunner(path.join(dir, 'without-model'), venue.port, fixture.pipeline(false), CHECKPOINT_EVERY);
    const run = await plain.run({ timeoutMs: 180_000 });
    expect(run.end, `the session without the model ends by itself; stderr: ${run.stderr}`).toBe('finished');
    const account = await venueAccount(venue.port, [0]);
    expect(account.fills, 'the ML expert changes what the session trades').not.toEqual(reference.account.fills);
  }, 300_000);

  it('killed at three points (between bars and their answers) and recovered, trades exactly as the uninterrupted session', async () => {
    const venue = await venueFor('killed');
    const session = sessionRunner(path.join(dir, 'killed'), venue.port, withModel(fixture.pipeline(false)), CHECKPOINT_EVERY, { model: { dir: MODEL_DIR, symbols: ['BTCUSDT'] } });
    // The first kill lands just before the 50th answer is journaled (its bar is journaled and
    // decided on: recovery must compute that answer again); the later ones land in the answered
    // bars after a recovery replayed some answers (which must not be answered again).
    const { inboundSeqs, inbound } = journaledAnswers(reference.journalDir);
    const fiftieth = Number(inboundSeqs[49]);
    expect(fiftieth + 1 + 151 + 77, 'the kills land before the session ends').toBeLessThan(inbound);
    const kills = [`inbound-received:${fiftieth + 1}`, 'inbound-journaled:151', 'inbound-received:77'];
    for (const crashAt of kills) {
      const run = await session.run({ crashAt, timeoutMs: 180_000 });
      expect(run.end, `killed at ${crashAt}; stderr: ${run.stderr}`).toBe('killed');
    }
    const last = await session.run({ timeoutMs: 180_000 });
    expect(last.end, `the recovered session ends by itself; stderr: ${last.stderr}`).toBe('finished');
    const account = await venueAccount(venue.port, [0]);
    expect(account.stats.duplicateSubmissions, 'no client order id reached the venue twice').toBe(0);
    expect(account.fills, "the venue's fills, byte for byte").toEqual(reference.account.fills);
    expect(account.orders, "the venue's order history").toEqual(reference.account.orders);
    expect(last.result!.book, "the engine's cash, positions and trade list").toEqual(reference.output.book);
    const answers = journaledAnswers(session.journalDir).keys;
    expect(new Set(answers).size, 'no bar is answered twice across the restarts').toBe(answers.length);
    expect([...answers].sort(), 'the same bars are answered as in the uninterrupted session').toEqual([...journaledAnswers(reference.journalDir).keys].sort());
  }, 600_000);
});
