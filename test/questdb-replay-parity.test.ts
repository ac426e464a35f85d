// Replay parity: a paper session (engine/live's runLiveSession against the local simulated
// venue server, the core's orders leaving on the outbound ring) records every bar it receives
// to a real QuestDB through QuestDbRecorder; `quantflow backtest`'s driver then replays the
// recorded table (questdb://) with the same configuration, the venue inside the core, and
// decides the same orders: same ids, instruments, decision times, sides, quantities, types.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openQuestDbStream, QuestDbRecorder } from '../adapters/questdb/index.js';
import { SimVenueAdapter } from '../adapters/sim-venue/index.js';
import { runBacktest } from '../engine/backtest/index.js';
import { loadConfig } from '../engine/config/index.js';
import { Journal } from '../engine/journal/index.js';
import { runLiveSession } from '../engine/live/index.js';
import { decodeOrderFlowRecord, type OrderCommandRecord } from '../engine/orders/index.js';
import { timeframeOfInterval, tradingPipeline } from '../engine/replay/index.js';
import { defaultBarFiles } from '../engine/cli/default-data.js';
import { startVenue, type Venue } from './crash-harness.js';
import { sharedQuestDb } from './questdb-global-setup.js';

const qdb = sharedQuestDb();
const root = path.resolve(import.meta.dirname, '..');
const dir = mkdtempSync(path.join(tmpdir(), 'qf-parity-'));
const BARS = 1_500;
let venue: Venue | undefined;

afterAll(async () => {
  await venue?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The decision fields of an ORDER record (not the risk clock, which counts venue replies' arrival). */
function decision(order: OrderCommandRecord): Record<string, unknown> {
  return { id: order.orderId, instrument: order.instrument, decidedAt: order.tsNs, qty: order.qty, type: order.orderType, tif: order.timeInForce, flags: order.flags, limit: order.limitPrice, stop: order.stopPrice, rule: order.rule };
}

if (!qdb.available) {
  describe('replay parity (paper session -> QuestDB -> backtest)', () => {
    it.skip(`skipped: ${qdb.reason}`, () => {});
  });
} else {
  describe('replay parity (paper session -> QuestDB -> backtest)', () => {
    it('replays a recorded paper session as a backtest to the same decisions', async () => {
      const source = defaultBarFiles().find((f) => f.includes('ETHUSDT'))!;
      const lines = readFileSync(source, 'utf8').split('\n');
      const file = path.join(dir, 'ETHUSDT_1h.csv');
      writeFileSync(file, `${lines.slice(0, BARS + 1).join('\n')}\n`);
      venue = await startVenue(path.join(dir, 'venue'), [file]);
      const config = loadConfig({ configFile: path.join(root, 'config', 'examples', 'ema-cross.yaml'), env: {} });
      const start = BigInt(Date.parse(lines[1].split(',')[0])) * 1_000_000n;
      const { spec } = tradingPipeline({
        config, instrumentNames: ['ETHUSDT'], timeframes: [timeframeOfInterval(3_600_000_000_000n)], indicators: [], equity: 100_000, startNs: start, halted: false, simulate: false,
      });
      const table = `parity_bars_${process.pid}`;
      const recorder = await QuestDbRecorder.open({ host: '127.0.0.1', httpPort: qdb.httpPort, tables: { bars: table } });
      const adapter = new SimVenueAdapter({ host: '127.0.0.1', port: venue.port });
      const journalDir = path.join(dir, 'journal');
      const session = await runLiveSession({
        journalDir, pipeline: spec, adapter, log: () => undefined,
        onMarketRecord: (record) => {
          if (!recorder.record(record, ['ETHUSDT'])) throw new Error('the recorder is past its high-water mark');
        },
      });
      await recorder.close();
      expect(session.marketRecords).toBe(BARS);
      const journal = Journal.open(journalDir);
      const live: OrderCommandRecord[] = [];
      for (const { entry } of journal.read(1n)) {
        if (entry.type !== 'submit') continue;
        const order = decodeOrderFlowRecord(new DataView(entry.record.buffer, entry.record.byteOffset, 64), 0);
        if (order.record === 'order') live.push(order);
      }
      journal.close();
      expect(live.length, 'the session traded').toBeGreaterThan(20);

      const url = `questdb://127.0.0.1:${qdb.httpPort}/${table}?symbol=ETHUSDT&kind=bars`;
      let stream = await openQuestDbStream(url);
      for (let attempt = 0; stream.expectedRows !== BARS && attempt < 300; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 100)); // WAL applies asynchronously
        stream = await openQuestDbStream(url);
      }
      expect(stream.expectedRows).toBe(BARS);
      const replayed: OrderCommandRecord[] = [];
      const run = await runBacktest({ streams: [stream], config, equity: 100_000, listeners: { onOrder: (order) => void replayed.push(order) } });
      expect(run.published).toBe(BARS);
      expect(replayed.map(decision)).toEqual(live.map(decision));
    }, 240_000);
  });
}
