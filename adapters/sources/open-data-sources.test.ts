// `store:` windows on bars bound the bar's open time, as a `questdb://` window does (its `ts` is
// the bar's open): the same from/to selects the same bars from either source. The store keys a
// bar by its close (when it arrives), so a window on the key took the bar that opened an interval
// before `from` and dropped the one that opened an interval before `to`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCsvStream } from '../files/index.js';
import { importStream } from '../store/index.js';
import { EV_TS_EXCHANGE } from '../../engine/layout/event-record.js';
import type { MarketStream } from '../../engine/replay/index.js';
import { openDataSources } from './open-data-sources.js';

const dir = mkdtempSync(path.join(tmpdir(), 'qf-sources-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HOUR_NS = 3_600_000_000_000n;
const DAY0 = BigInt(Date.UTC(2024, 0, 1)) * 1_000_000n;

/** Bar open times (ns) of a stream, from its records' ts_exchange. */
async function opens(stream: MarketStream): Promise<bigint[]> {
  const times: bigint[] = [];
  for await (const block of stream.blocks(0)) {
    const view = new DataView(block.bytes.buffer, block.bytes.byteOffset, block.bytes.byteLength);
    for (let i = 0; i < block.count; i++) times.push(view.getBigInt64(i * 64 + EV_TS_EXCHANGE, true));
  }
  return times;
}

describe('store: windows', () => {
  it('select bars by their open time: from inclusive, to exclusive', async () => {
    const csv = path.join(dir, 'X_1h.csv');
    // 48 hourly bars opening 2024-01-01T00:00Z .. 2024-01-02T23:00Z.
    const rows = Array.from({ length: 48 }, (_, h) => `${new Date(Date.UTC(2024, 0, 1, h)).toISOString()},100,101,99,100,1`);
    writeFileSync(csv, `timestamp,open,high,low,close,volume\n${rows.join('\n')}\n`);
    const store = path.join(dir, 'store');
    await importStream(store, await openCsvStream(csv, { symbol: 'X', barStamp: 'open' }), { sha256: null });

    const [day] = await openDataSources([`store:${store}?symbol=X&from=2024-01-02&to=2024-01-03`], {});
    const day2 = await opens(day);
    expect(day2).toHaveLength(24);
    expect(day2[0]).toBe(DAY0 + 24n * HOUR_NS);
    expect(day2[23]).toBe(DAY0 + 47n * HOUR_NS);

    const [hours] = await openDataSources([`store:${store}?symbol=X&from=2024-01-01T05:00:00Z&to=2024-01-01T07:00:00Z`], {});
    expect(await opens(hours)).toEqual([DAY0 + 5n * HOUR_NS, DAY0 + 6n * HOUR_NS]);

    const [all] = await openDataSources([`store:${store}?symbol=X`], {});
    expect(await opens(all)).toHaveLength(48);
  });
});
