// Control actions of a paper session over the WebSocket (a running session of the EMA cross on
// the first 600 bundled 1h ETH bars, at 60 bars a second): with a signed token a kill-switch
// reset of a switch that is not tripped is refused (test/paper-control-reset.test.ts applies one
// of a tripped switch); a pause and a resume of the
// strategy (by its configured name; the `risk` topic lists the paused ones) and a risk-limit
// change (the log keeps the previous value); an unknown strategy,
// a second pause and a mode change are refused with why, never silently accepted; once the run
// has ended a reset is refused. Every action lands in the session's append-only control log (JSON
// Lines) with the token's subject and its outcome. What a pause does in the core is tested in
// test/strategy-pause.test.ts.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataSources } from '../adapters/sources/index.js';
import { loadConfig } from '../engine/config/index.js';
import { signControlToken } from '../engine/killswitch/index.js';
import { startPaperSession } from '../engine/paper/index.js';
import { connect } from '../engine/client/index.js';
import { writeBundledSlice } from './bundled-slice.js';

const ROOT = resolve(import.meta.dirname, '..');
const ETH = 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv';
const BARS = 600;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'qf-control-paper-'));
  writeBundledSlice(dir, ETH, BARS);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('control actions in a paper session', () => {
  it('applies a signed pause and resume, refuses what it cannot do with why (a reset of a switch that is not tripped too), and logs each with its subject', async () => {
    const config = loadConfig({ configFile: join(ROOT, 'config', 'examples', 'ema-cross.yaml'), env: { QF_CONTROL_SECRET: 's'.repeat(40) } });
    const controlLogPath = join(dir, 'state', 'paper-control.jsonl');
    const logged: string[] = [];
    const session = await startPaperSession({
      streams: await openDataSources([join(dir, ETH)], {}), config, equity: 100_000, speed: 3600 * 60, port: 0, controlLogPath, log: (line) => logged.push(line),
    });
    const token = await signControlToken('operator:alice', config.control, 60);
    const client = await connect(`ws://127.0.0.1:${session.server!.port}/`, { reconnect: false, token });
    const paused: string[][] = [];
    client.subscribe('risk', (update) => paused.push(update.payload.pausedStrategies));
    const deciders: string[] = [];
    client.subscribe('signals', (update) => { for (const s of update.payload.signals) deciders.push(`${s.symbol} ${s.strategy} ${s.timeframeSeconds}s`); });
    const until = async (what: string, ok: () => boolean): Promise<void> => {
      for (let i = 0; i < 200 && !ok(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
      expect(ok(), what).toBe(true);
    };
    try {
      await until('a signal', () => deciders.length > 0);
      expect(new Set(deciders), 'a signal names the configured strategy (what pause-strategy takes) and its bar timeframe').toEqual(new Set(['ETHUSDT ema-cross 3600s']));
      const unknown = await client.control({ kind: 'pause-strategy', strategy: 'nope' });
      expect(unknown).toMatchObject({ ok: false, code: 'refused' });
      expect(unknown.ok ? '' : unknown.message).toMatch(/no strategy named "nope" in this session \(its strategies: ema-cross\)/);
      const pause = await client.control({ kind: 'pause-strategy', strategy: 'ema-cross', reason: 'news at 14:00' });
      expect(pause, 'pause is applied in the core').toMatchObject({ ok: true, who: 'operator:alice' });
      const { readdirSync } = await import('node:fs');
      expect(readdirSync(join(dir, 'state', 'used-control-tokens')), 'the used token is remembered beside the control log, not under the configuration\'s killSwitch.statePath').toHaveLength(1);
      const again = await client.control({ kind: 'pause-strategy', strategy: 'ema-cross' });
      expect(again).toMatchObject({ ok: false, code: 'refused' });
      expect(again.ok ? '' : again.message).toMatch(/already paused/);
      await until('the risk topic lists the paused strategy', () => paused.at(-1)?.includes('ema-cross') === true);
      const resume = await client.control({ kind: 'resume-strategy', strategy: 'ema-cross' });
      expect(resume).toMatchObject({ ok: true, who: 'operator:alice' });
      await until('the risk topic lists none once resumed', () => paused.at(-1)?.length === 0);
      const limit = await client.control({ kind: 'limit-change', limit: 'minNotional', value: 25, reason: 'smaller orders are noise' });
      expect(limit, 'a limit change is applied in the core').toMatchObject({ ok: true, who: 'operator:alice' });
      // Refused by the server before the session's handler: still in the control log.
      expect(await client.control({ kind: 'limit-change', limit: 'maxDrawdownPct', value: 0.51, reason: 'wider' })).toMatchObject({ ok: false, code: 'refused' });
      const reader = await connect(`ws://127.0.0.1:${session.server!.port}/`, { reconnect: false });
      expect(await reader.control({ kind: 'kill-switch-reset', reason: 'no token' })).toMatchObject({ ok: false, code: 'unauthorized' });
      await reader.close();
      // Two changes to one value sent together: the second is judged against the first, still queued.
      const [first, second] = await Promise.all([
        client.control({ kind: 'limit-change', limit: 'minNotional', value: 30, reason: 'ok\npaper: control FORGED\u001b[2J' }),
        client.control({ kind: 'limit-change', limit: 'minNotional', value: 30, reason: 'the same, again' }),
      ]);
      expect(first).toMatchObject({ ok: true });
      expect(second.ok ? '' : second.message).toMatch(/minNotional is already 30 once the changes queued before this one are applied/);
      const mode = await client.control({ kind: 'mode-change', mode: 'live' });
      expect(mode).toMatchObject({ ok: false, code: 'refused' });
      expect(mode.ok ? '' : mode.message).toMatch(/cannot change mode/);
      const reset = await client.control({ kind: 'kill-switch-reset', reason: 'reviewed the drawdown' });
      expect(reset, 'a reset of a switch that is not tripped is refused (it would move the high-water mark)').toMatchObject({ ok: false, code: 'refused' });
      expect(reset.ok ? '' : reset.message).toMatch(/the kill switch is not tripped: nothing to reset/);
      await session.finished;
      const late = await client.control({ kind: 'kill-switch-reset', reason: 'too late' });
      expect(late, 'after the run there is nothing to reset').toMatchObject({ ok: false, code: 'refused' });

      expect(existsSync(controlLogPath), 'the control log is created under the state directory').toBe(true);
      const entries = readFileSync(controlLogPath, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(entries.map((e) => [(e.action as { kind: string }).kind, e.outcome])).toEqual([
        ['pause-strategy', 'refused'], ['pause-strategy', 'accepted'], ['pause-strategy', 'applied'], ['pause-strategy', 'refused'],
        ['resume-strategy', 'accepted'], ['resume-strategy', 'applied'], ['limit-change', 'accepted'], ['limit-change', 'applied'],
        ['limit-change', 'refused'], ['kill-switch-reset', 'refused'], ['limit-change', 'accepted'], ['limit-change', 'refused'], ['limit-change', 'applied'], ['mode-change', 'refused'],
        ['kill-switch-reset', 'refused'], ['kill-switch-reset', 'refused'],
      ]);
      expect(entries[7].why, 'the previous and the new value').toMatch(/the core set minNotional \d+(\.\d+)? -> 25/);
      expect(entries[8].why, 'refused by the server: the rule').toMatch(/maxDrawdownPct/);
      expect(entries[9]).toMatchObject({ who: '(no valid token)', outcome: 'refused' });
      expect(entries[12].why).toMatch(/the core set minNotional 25 -> 30/);
      const byAlice = entries.filter((_, i) => i !== 9);
      expect(byAlice.every((e) => e.who === 'operator:alice' && typeof e.timeIso === 'string' && typeof e.why === 'string' && (e.why as string).length > 0), 'each names its subject and why').toBe(true);
      expect(entries[1]).toMatchObject({ reason: 'news at 14:00' });
      expect(entries[2].why).toMatch(/paused ema-cross/);
      expect(entries[14]).toMatchObject({ reason: 'reviewed the drawdown' });
      expect(entries[10]).toMatchObject({ reason: 'ok\npaper: control FORGED\u001b[2J' });
      expect(logged.some((line) => line.includes('FORGED')), 'the reason is in the log').toBe(true);
      expect(logged.every((line) => !/[\n\u001b]/.test(line)), 'escaped: no line break or escape in a log line').toBe(true);
      expect(logged.some((line) => line.includes('refused') && line.includes('operator:alice'))).toBe(true);
      const metrics = await (await fetch(`http://127.0.0.1:${session.server!.port}/metrics`)).text();
      expect(metrics).toMatch(/quantflow_server_control_actions_total\{action="mode-change",outcome="refused"\} 1/);
    } finally {
      await client.close();
      await session.close();
    }
  }, 120_000);
});
