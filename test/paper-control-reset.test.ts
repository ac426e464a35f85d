// A paper session's kill-switch reset (engine/paper PaperControl) with a fake engine: refused
// when the switch is not tripped, when sent and when it would be applied (two resets sent
// together clear one trip), since the core's reset also moves the drawdown high-water mark down
// to the equity; a reset of a tripped switch is applied at the batch boundary. Each outcome is
// in the control log; an action already accepted is still answered when the control log fails
// afterwards (a full disk), and the session log says what it could not record.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlLog, PaperControl, type PaperEngineControls } from '../engine/paper/paper-control.js';

const context = { who: 'operator:erin', sessionId: 3 };
const dirs: string[] = [];
afterEach(() => { for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true }); });

function fakeEngine(tripped: { now: boolean }, resets: { count: number }): PaperEngineControls {
  return {
    resetKillSwitch: async () => { resets.count++; tripped.now = false; },
    killSwitchTripped: () => tripped.now,
    setInstrumentsPaused: async () => undefined,
    changeRiskLimit: async () => 0,
    riskLimit: () => 0,
    strategies: new Map(),
    onPausedChanged: () => undefined,
  };
}

function control(): { paper: PaperControl; path: string; logged: string[]; entries: () => { outcome: string; why: string }[] } {
  const dir = mkdtempSync(join(tmpdir(), 'qf-paper-reset-'));
  dirs.push(dir);
  const path = join(dir, 'paper-control.jsonl');
  const logged: string[] = [];
  const paper = new PaperControl((line) => logged.push(line), new ControlLog(path));
  return { paper, path, logged, entries: () => readFileSync(path, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { outcome: string; why: string }) };
}

describe('paper kill-switch reset', () => {
  it('refuses a reset while the kill switch is not tripped, so the drawdown high-water mark is not moved', async () => {
    const { paper, entries } = control();
    const tripped = { now: false };
    const resets = { count: 0 };
    paper.engineStarted(fakeEngine(tripped, resets));
    const reset = paper.handle({ kind: 'kill-switch-reset', reason: 'just checking' }, context);
    for (let task = paper.takeBoundaryTask(); task; task = paper.takeBoundaryTask()) await task();
    await expect(reset).rejects.toThrow(/the kill switch is not tripped: nothing to reset/);
    expect(resets.count, 'the core was not reset').toBe(0);
    expect(entries().map((e) => e.outcome)).toEqual(['refused']);
  });

  it('applies a reset of a tripped switch, and refuses a second one sent with it once the first has cleared the trip', async () => {
    const { paper, entries } = control();
    const tripped = { now: true };
    const resets = { count: 0 };
    paper.engineStarted(fakeEngine(tripped, resets));
    const first = paper.handle({ kind: 'kill-switch-reset', reason: 'reviewed' }, context);
    const second = paper.handle({ kind: 'kill-switch-reset', reason: 'reviewed, again' }, context);
    for (let task = paper.takeBoundaryTask(); task; task = paper.takeBoundaryTask()) await task();
    await expect(first).resolves.toBeUndefined();
    await expect(second).rejects.toThrow(/the kill switch is not tripped: nothing to reset/);
    expect(resets.count, 'one trip, one reset in the core').toBe(1);
    expect(entries().map((e) => e.outcome)).toEqual(['accepted', 'accepted', 'applied', 'refused']);
  });

  it('answers a reset it applied when the control log can no longer be written, and says so in the session log', async () => {
    const { paper, path, logged, entries } = control();
    const tripped = { now: true };
    const resets = { count: 0 };
    paper.engineStarted(fakeEngine(tripped, resets));
    const reset = paper.handle({ kind: 'kill-switch-reset', reason: 'reviewed' }, context);
    expect(entries().map((e) => e.outcome)).toEqual(['accepted']);
    rmSync(path);
    mkdirSync(path); // appending to it now fails (EISDIR), as on a full disk
    const task = paper.takeBoundaryTask()!;
    await expect(task(), 'the boundary task itself does not fail').resolves.toBeUndefined();
    await expect(reset, 'the client is answered: applied').resolves.toBeUndefined();
    expect(resets.count).toBe(1);
    expect(logged.join('\n')).toMatch(/control kill-switch-reset by operator:erin \(connection 3\) applied \(the core cleared its kill switch\), but the control log could not record it: EISDIR/);
  });
});
