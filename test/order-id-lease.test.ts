// The lease of client order ids (engine/state/order-id-lease.ts): ids stay unique across
// restarts because an id is covered by a durable lease before it leaves the process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { open } from 'lmdb';
import { OrderIdLease } from '../engine/state/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'qf-order-ids-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the order-id lease', () => {
  it('starts a fresh store at 1, extends the lease a block ahead, and starts the next run past it', async () => {
    const first = open({ path: path.join(dir, 'a') });
    const lease = new OrderIdLease(first, 100n);
    expect(lease.firstId(), 'a fresh store').toBe(1n);
    lease.ensure(1n);
    expect(lease.highWaterMark, 'one durable write covers a block').toBe(100n);
    lease.ensure(100n);
    expect(lease.highWaterMark, 'ids inside the lease need no write').toBe(100n);
    lease.ensure(101n);
    expect(lease.highWaterMark).toBe(200n);
    await first.close();
    const second = open({ path: path.join(dir, 'a') });
    expect(new OrderIdLease(second, 100n).firstId(), 'the next run starts past every id the last one may have sent').toBe(201n);
    await second.close();
  });

  it('refuses a block below 1', async () => {
    const root = open({ path: path.join(dir, 'b') });
    expect(() => new OrderIdLease(root, 0n)).toThrow('`block` must be >= 1, was 0');
    await root.close();
  });
});
