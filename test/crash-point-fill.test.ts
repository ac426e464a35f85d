// The `fill-before-outbox` crash point on live mode's path of every venue record
// (engine/live/live-session.ts onVenueRecord, engine/live/crash-points.ts fillCrashPoint): without
// QF_CRASH_AT naming it the record is not read at all (live mode built a DataView on each record
// to look for a FILL even when no crash was planned); with it, the n-th FILL (not any other kind)
// kills the process (a child running the compiled module, dist/: npm run build:ts).
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fillCrashPoint } from '../engine/live/crash-points.js';
import { EVENT_BYTES, EV_KIND, EventKind } from '../engine/layout/event-record.js';

const ROOT = resolve(import.meta.dirname, '..');

/** A 64-byte record of `kind` whose reads of its bytes (buffer, byteOffset) are counted. */
function countedRecord(kind: number): { record: Uint8Array; reads: () => number } {
  const record = new Uint8Array(EVENT_BYTES);
  new DataView(record.buffer).setInt32(EV_KIND, kind, true);
  const buffer = record.buffer;
  let reads = 0;
  Object.defineProperty(record, 'buffer', { get: () => { reads += 1; return buffer; } });
  Object.defineProperty(record, 'byteOffset', { get: () => { reads += 1; return 0; } });
  return { record, reads: () => reads };
}

describe('fill-before-outbox crash point', () => {
  it('does not read a venue record when QF_CRASH_AT plans no crash', () => {
    expect(process.env.QF_CRASH_AT, 'this test runs without a crash plan').toBeUndefined();
    const fill = countedRecord(EventKind.FILL | EventKind.SOURCE_LIVE | EventKind.DIRECTION_INBOUND);
    let commits = 0;
    for (let k = 0; k < 3; k += 1) fillCrashPoint(fill.record, () => { commits += 1; });
    expect([fill.reads(), commits], 'reads of the record, commits run').toEqual([0, 0]);
  });

  it('kills the process at the n-th FILL when QF_CRASH_AT plans it, counting no other kind', () => {
    const script = `
      import { fillCrashPoint } from './dist/engine/live/crash-points.js';
      import { EVENT_BYTES, EV_KIND, EventKind } from './dist/engine/layout/event-record.js';
      const record = (kind) => { const r = new Uint8Array(EVENT_BYTES); new DataView(r.buffer).setInt32(EV_KIND, kind, true); return r; };
      for (const kind of [EventKind.BAR, EventKind.FILL, EventKind.TRADE, EventKind.FILL, EventKind.FILL]) {
        fillCrashPoint(record(kind | EventKind.SOURCE_LIVE), () => process.stdout.write('commit\\n'));
        process.stdout.write(\`passed \${kind & 0xff}\\n\`);
      }`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT, env: { ...process.env, QF_CRASH_AT: 'fill-before-outbox:2' }, encoding: 'utf8', timeout: 30_000,
    });
    expect(child.stderr.trim(), 'the point named on stderr').toBe('crash point: fill-before-outbox:2');
    expect(child.signal, 'killed').toBe('SIGKILL');
    const passed = `passed ${EventKind.BAR & 0xff}\npassed ${EventKind.FILL & 0xff}\npassed ${EventKind.TRADE & 0xff}\ncommit\n`;
    expect(child.stdout, 'past the bar, the first fill and the trade; the second fill commits and dies').toBe(passed);
  });
});
