// Every store that takes a user-given directory holds its LMDB environment inside it whatever its
// name: lmdb-js takes a path with an extension (`runs.v2`) for a single file, so a store whose
// directory had a dot in its name failed with lmdb's "Is a directory: Attempting to open main
// database file" stack trace, leaving a stray `<dir>-lock` file beside it.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VenueStore } from '../adapters/sim-venue/server/venue-store.js';
import { MarketStore } from '../adapters/store/index.js';
import { RunStore } from '../engine/backtest/run-store/index.js';
import { KillSwitchStore } from '../engine/killswitch/index.js';
import { AheadCache } from '../engine/models/index.js';
import { WebhookOutbox } from '../engine/server/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'qf-dotted-lmdb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const stores: ReadonlyArray<readonly [string, (at: string) => { close(): unknown }]> = [
  ['run store', (at) => RunStore.open(at)],
  ['kill-switch store', (at) => KillSwitchStore.open(at)],
  ['ahead cache', (at) => AheadCache.open(at)],
  ['market data store', (at) => MarketStore.open(at, { create: true })],
  ['sim-venue store', (at) => VenueStore.open(at)],
  ['webhook outbox', (at) => WebhookOutbox.open(at)],
];

describe('a store directory whose name has a dot', () => {
  it.each(stores)('the %s holds its environment in the directory', async (name, openStore) => {
    const at = path.join(dir, `${name.replaceAll(' ', '-')}.v2`);
    const store = openStore(at);
    await store.close();
    expect(existsSync(path.join(at, 'data.mdb')), `${at}/data.mdb`).toBe(true);
    expect(existsSync(`${at}-lock`), 'no lock file beside it').toBe(false);
    await (openStore(at).close());
  });
});
