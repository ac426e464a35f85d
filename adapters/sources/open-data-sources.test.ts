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

describe('store: interval', () => {
  it('picks one bar series of a symbol the store holds at several intervals, and refuses a bad interval', async () => {
    const store = path.join(dir, 'store-intervals');
    const hourly = path.join(dir, 'Y_1h.csv');
    writeFileSync(hourly, `timestamp,open,high,low,close,volume\n${Array.from({ length: 48 }, (_, h) => `${new Date(Date.UTC(2024, 0, 1, h)).toISOString()},100,101,99,100,1`).join('\n')}\n`);
    const daily = path.join(dir, 'Y_1d.csv');
    writeFileSync(daily, `timestamp,open,high,low,close,volume\n${[0, 1, 2].map((d) => `${new Date(Date.UTC(2024, 0, 1 + d)).toISOString()},100,101,99,100,24`).join('\n')}\n`);
    for (const file of [hourly, daily]) await importStream(store, await openCsvStream(file, { symbol: 'Y', barStamp: 'open' }), { sha256: null });

    const both = await openDataSources([`store:${store}?symbol=Y`], {});
    expect(both.map((s) => s.barIntervalNs), 'without interval: both series').toEqual([HOUR_NS, 24n * HOUR_NS]);
    const [hours] = await openDataSources([`store:${store}?symbol=Y&interval=1h`], {});
    expect([hours.barIntervalNs, (await opens(hours)).length]).toEqual([HOUR_NS, 48]);
    const [days] = await openDataSources([`store:${store}?symbol=Y&kind=bars&interval=1d&from=2024-01-02`], {});
    expect(await opens(days)).toEqual([DAY0 + 24n * HOUR_NS, DAY0 + 48n * HOUR_NS]);
    await expect(openDataSources([`store:${store}?symbol=Y&interval=hourly`], {})).rejects.toThrow('`interval` must be a bar interval such as 1m, 1h or 1d (digits, then ms, s, m, h, d or w), was "hourly"');
    await expect(openDataSources([`store:${store}?symbol=Y&kind=trades&interval=1h`], {})).rejects.toThrow('`interval` picks a bar series, so kind must be bars');
    await expect(openDataSources([`store:${store}?symbol=Y&interval=4h`], {})).rejects.toThrow('the store holds no series matching symbol=Y&interval=4h');
  });
});
