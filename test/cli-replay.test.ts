// The `quantflow` CLI as a user runs it (compiled dist/, a real process): help,
// the default replay over the bundled data, bad input, and signal shutdown.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { skipWithout } from './peers.js';

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'dist', 'engine', 'cli', 'main.js');

function run(args: string[]) {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface SignalRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts a paced replay, sends `signal` once it has started, and collects the outcome. */
function replayWithSignal(signal: NodeJS.Signals, output: '--json' | '--no-progress' = '--json'): Promise<SignalRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [cli, 'replay', '--rate', '2000', output], { cwd: root });
    let stdout = '';
    let stderr = '';
    let sent = false;
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`replay did not end within 60 s; stderr so far: ${stderr}`));
    }, 60_000);
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (!sent && stderr.includes('Ctrl-C drains and stops')) {
        sent = true;
        setTimeout(() => child.kill(signal), 300);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(deadline);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

const builtCli = { what: 'built CLI dist/engine/cli/main.js', missing: existsSync(cli) ? '' : 'dist/engine/cli/main.js is missing (run `npm run build`)' };

describe.skipIf(skipWithout(builtCli))('quantflow CLI (needs `npm run build`)', () => {
  it('prints help for the program and for every command', () => {
    const top = run(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('replay');
    // main.ts imports only the invoked command's module; help lists every command all the same.
    const commands = ['replay', 'indicators', 'regime', 'killswitch', 'backtest', 'import', 'data', 'montecarlo', 'label', 'walkforward', 'sweep', 'worker', 'paper', 'watch', 'features', 'train', 'models', 'run'];
    const listed = [...top.stdout.matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1]).filter((name) => name !== 'help');
    expect(listed, 'quantflow --help lists every command, in order').toEqual(commands);
    for (const name of commands) {
      const help = run([name, '--help']);
      expect(help.code, `${name} --help: ${help.stderr}`).toBe(0);
      expect(help.stdout, `${name} --help is that command's help`).toContain(`Usage: quantflow ${name}`);
    }
    const version = run(['--version']);
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout.trim(), '--version (no command module loaded)').toMatch(/^\d+\.\d+\.\d+$/);
    const typo = run(['bakctest']);
    expect(typo.code, 'an unknown command is refused as bad input').toBe(2);
    expect(typo.stderr, 'and commander suggests the command meant').toContain('Did you mean backtest?');
    const replay = run(['replay', '--help']);
    expect(replay.code).toBe(0);
    for (const flag of ['--in', '--on-bad-row', '--timezone', '--batch', '--rate', '--wait', '--json']) {
      expect(replay.stdout, `replay --help documents ${flag}`).toContain(flag);
    }
  });

  it('replays the bundled demo data by default and reports events/s with a matching checksum', () => {
    const { code, stdout, stderr } = run(['replay', '--json']);
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.files).toBe(3);
    expect(result.eventsInTape).toBe(3 * 17_520);
    expect(result.eventsConsumed).toBe(result.eventsPublished);
    expect(result.barsConsumed).toBe(3 * 17_520);
    expect(result.checksumMatches).toBe(true);
    expect(result.eventsPerSecond).toBeGreaterThan(0);
  });

  it('rejects a malformed CSV with file:line, field and rule, and no stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-cli-'));
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'timestamp,open,high,low,close,volume\n2024-01-01T00:00:00Z,10,11,9,10,5\n2024-01-01T01:00:00Z,10,9,11,10,5\n');
    const { code, stderr } = run(['replay', '--in', file]);
    expect(code).toBe(2);
    expect(stderr).toContain(`${file}:3`);
    expect(stderr).toContain('`high`');
    expect(stderr).not.toMatch(/\n\s+at /);
    const skipped = run(['replay', '--in', file, '--on-bad-row', 'skip', '--json']);
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(JSON.parse(skipped.stdout).eventsConsumed).toBe(1);
    expect(skipped.stderr).toContain('skipped 1 of 2 rows');
  });

  it('rejects bad flag values naming the flag, the value and the rule', () => {
    const batch = run(['replay', '--batch', '0']);
    expect(batch.code).toBe(2);
    expect(batch.stderr).toContain('`--batch` must be an integer in [1, 65536], was "0"');
    const wait = run(['replay', '--wait', 'nap']);
    expect(wait.code).not.toBe(0);
    expect(wait.stderr).toContain('nap');
    const missing = run(['replay', '--in', '/nonexistent/bars.csv']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('/nonexistent/bars.csv');
  });

  it('runs the per-bar pipeline with --ind and reports each instrument\'s final values', () => {
    const { code, stdout, stderr } = run(['replay', '--ind', 'ema:20,bb:20:2.pctb', '--json']);
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.pipeline.counters.barsPiped).toBe(3 * 17_520);
    expect(result.pipeline.counters.stageErrors).toBe(0);
    expect(result.pipeline.instruments.map((i: { name: string }) => i.name)).toEqual(['BTCUSDT', 'ETHUSDT', 'SOLUSDT']);
    for (const instrument of result.pipeline.instruments) {
      expect(typeof instrument.indicators['ema:20'], `${instrument.name} ema:20`).toBe('number');
      expect(typeof instrument.indicators['bb:20:2.pctb']).toBe('number');
    }
  });

  it('reads each file\'s sidecar as the backtest does: its symbol names the instrument, close-stamped bars are moved to their open', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-replay-sidecar-'));
    const lines = (symbol: string) => readFileSync(join(root, 'data', `binance_spot_${symbol}_1h_2024-04-16_2026-04-16.csv`), 'utf8').trim().split('\n').slice(0, 301);
    // The bundled ETH and SOL bars as given (names from the file names) ...
    writeFileSync(join(dir, 'ETHUSDT_1h.csv'), `${lines('ETHUSDT').join('\n')}\n`);
    writeFileSync(join(dir, 'SOLUSDT_1h.csv'), `${lines('SOLUSDT').join('\n')}\n`);
    // ... and the same bars under a vendor's file name (the symbol only in the sidecar) and stamped at their close.
    writeFileSync(join(dir, 'BINANCE_ETHUSDT_1h.csv'), `${lines('ETHUSDT').join('\n')}\n`);
    writeFileSync(join(dir, 'BINANCE_ETHUSDT_1h.csv.meta.json'), JSON.stringify({ kind: 'bars', barStamp: 'open', symbol: 'ETHUSDT' }));
    const [header, ...rows] = lines('SOLUSDT');
    const closeStamped = rows.map((row) => {
      const [time, ...rest] = row.split(',');
      return [new Date(Date.parse(time) + 3_600_000).toISOString(), ...rest].join(',');
    });
    writeFileSync(join(dir, 'sol_close.csv'), `${[header, ...closeStamped].join('\n')}\n`);
    writeFileSync(join(dir, 'sol_close.csv.meta.json'), JSON.stringify({ kind: 'bars', barStamp: 'close', symbol: 'SOLUSDT' }));

    const plain = run(['replay', '--in', join(dir, 'ETHUSDT_1h.csv'), join(dir, 'SOLUSDT_1h.csv'), '--ind', 'ema:20', '--json', '--no-progress']);
    const sidecars = run(['replay', '--in', join(dir, 'BINANCE_ETHUSDT_1h.csv'), join(dir, 'sol_close.csv'), '--ind', 'ema:20', '--json', '--no-progress']);
    expect(plain.code, plain.stderr).toBe(0);
    expect(sidecars.code, sidecars.stderr).toBe(0);
    const a = JSON.parse(plain.stdout);
    const b = JSON.parse(sidecars.stdout);
    expect(b.instruments.map((i: { name: string }) => i.name)).toEqual(['ETHUSDT', 'SOLUSDT']);
    expect(b.checksum, 'the same records at the same times').toBe(a.checksum);
    expect(b.pipeline.instruments).toEqual(a.pipeline.instruments);
  });

  it('refuses, as the backtest does, a file whose sidecar states a bar interval longer than its smallest gap (bars would play before they close)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-replay-interval-'));
    const [header, ...rows] = readFileSync(join(root, 'data', 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv'), 'utf8').trim().split('\n').slice(0, 101);
    // One odd half-hour bar among hourly ones: the smallest gap is 30m, the sidecar says 1h.
    const odd = rows[10].replace(':00:00+00:00', ':30:00+00:00');
    const file = join(dir, 'ETHUSDT_1h.csv');
    writeFileSync(file, `${[header, ...rows.slice(0, 11), odd, ...rows.slice(11)].join('\n')}\n`);
    writeFileSync(`${file}.meta.json`, JSON.stringify({ kind: 'bars', barStamp: 'open', symbol: 'ETHUSDT', barInterval: '1h' }));
    const refused = run(['replay', '--in', file, '--ind', 'ema:20', '--no-progress']);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(/^quantflow: .*ETHUSDT_1h\.csv: the bar interval 1h is longer than the smallest gap between two bars \(30m\): the bars would overlap and a decision could see a bar before it closed/);
    writeFileSync(`${file}.meta.json`, JSON.stringify({ kind: 'bars', barStamp: 'open', symbol: 'ETHUSDT', barInterval: '30m' }));
    const stated = run(['replay', '--in', file, '--ind', 'ema:20', '--no-progress']);
    expect(stated.code, `a sidecar that states the 30m gap plays: ${stated.stderr}`).toBe(0);
  });

  it('refuses, as the backtest does, a file with no stated interval whose most common gap is longer than its smallest (hourly bars would play at 30m)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-replay-interval-'));
    const [header, ...rows] = readFileSync(join(root, 'data', 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv'), 'utf8').trim().split('\n').slice(0, 101);
    const odd = rows[10].replace(':00:00+00:00', ':30:00+00:00');
    const file = join(dir, 'ETHUSDT_1h.csv');
    writeFileSync(file, `${[header, ...rows.slice(0, 11), odd, ...rows.slice(11)].join('\n')}\n`);
    writeFileSync(`${file}.meta.json`, JSON.stringify({ kind: 'bars', barStamp: 'open', symbol: 'ETHUSDT' }));
    const refused = run(['replay', '--in', file, '--ind', 'ema:20', '--no-progress']);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(/^quantflow: .*ETHUSDT_1h\.csv: no bar interval is stated, and the most common gap between bars \(1h\) is longer than the smallest \(30m, before the bar at /);
    writeFileSync(file, `${[header, ...rows].join('\n')}\n`);
    const regular = run(['replay', '--in', file, '--ind', 'ema:20', '--no-progress']);
    expect(regular.code, `without the odd bar it plays: ${regular.stderr}`).toBe(0);
  });

  it('refuses a --trades file that is one of its inputs (the data was overwritten)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-replay-trades-'));
    const data = join(dir, 'ETHUSDT_1h.csv');
    const bars = readFileSync(join(root, 'data', 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv'), 'utf8').split('\n').slice(0, 301).join('\n');
    writeFileSync(data, `${bars}\n`);
    const refused = run(['replay', '--in', data, '--regime-model', join(root, 'data', 'models', 'btc-1h-regime.json'), '--decide', '--trades', data, '--no-progress']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^quantflow: --trades: .*ETHUSDT_1h\.csv is also an input of this command; give another file for the output\n$/);
    expect(readFileSync(data, 'utf8'), 'the data file is untouched').toBe(`${bars}\n`);
  });

  it('rejects bad pipeline flags with the token, parameter and rule', () => {
    const bad = run(['replay', '--ind', 'ema:0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('ema:0');
    expect(bad.stderr).toContain('period');
    const decide = run(['replay', '--decide']);
    expect(decide.code).toBe(2);
    expect(decide.stderr).toContain('a regime model is needed');
    const rules = run(['replay', '--decide', '--config', join(root, 'config', 'examples', 'ema-cross.yaml'), '--in', join(root, 'data', 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv')]);
    expect(rules.code, rules.stderr).toBe(0);
    expect(rules.stdout).toMatch(/orders/);
    const missingModel = run(['replay', '--regime-model', '/nonexistent/model.json']);
    expect(missingModel.code).toBe(2);
    expect(missingModel.stderr).toContain('/nonexistent/model.json');
  });

  it('trades the demo data with --decide, writes the trade list, and gives the same orders and fills on a second run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-cli-decide-'));
    const model = join(dir, 'eth.json');
    const eth = join(root, 'data', 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv');
    const fit = run(['regime', 'fit', '--in', eth, '--final', '--state', join(dir, 'research'), '--out', model, '--restarts', '2', '--max-iterations', '40']);
    expect(fit.code, fit.stderr).toBe(0);
    const trades = join(dir, 'trades.csv');
    const first = run(['replay', '--regime-model', model, '--decide', '--json', '--no-progress', '--trades', trades]);
    expect(first.code, first.stderr).toBe(0);
    const risk = JSON.parse(first.stdout).pipeline.risk;
    expect(risk.orders.sent, 'the default strategy trades').toBeGreaterThan(10);
    expect(risk.orders.filled + risk.orders.canceled + risk.orders.rejected + risk.orders.expired + Object.values(risk.orders.working as Record<string, number>).reduce((n, c) => n + c, 0), 'every order sent has a final or working state').toBe(risk.orders.sent);
    expect(risk.fills.count, 'fills reported').toBe(risk.orders.fills);
    expect(risk.costs.fees, 'fees paid').toBeGreaterThan(0);
    const rows = readFileSync(trades, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('entry_time,exit_time,instrument,side,quantity,entry_price,exit_price,gross_pnl,entry_fees,exit_fees,net_pnl,entry_order,exit_order,entry_rule,exit_rule');
    expect(rows.length - 1, 'one CSV row per round trip').toBe(risk.roundTrips.count);
    const net = rows.slice(1).reduce((sum, row) => sum + Number(row.split(',')[10]), 0);
    expect(net, 'the rows add up to the reported net P&L').toBeCloseTo(risk.roundTrips.netPnl, 6);
    expect(first.stderr).toContain(`trades: ${risk.roundTrips.count} round trips written to ${trades}`);
    const second = run(['replay', '--regime-model', model, '--decide', '--json', '--no-progress']);
    expect(second.code, second.stderr).toBe(0);
    const again = JSON.parse(second.stdout).pipeline.risk;
    expect({ orders: again.orders, costs: again.costs, account: again.account }, 'a second run is the same').toEqual({ orders: risk.orders, costs: risk.costs, account: risk.account });
  });

  it('drains both rings and stops on SIGINT, with every published event consumed', async () => {
    const { code, stdout, stderr } = await replayWithSignal('SIGINT');
    expect(code, stderr).toBe(130);
    const result = JSON.parse(stdout);
    expect(result.interrupted).toBe(true);
    expect(result.eventsPublished).toBeGreaterThan(0);
    expect(result.eventsPublished).toBeLessThan(result.eventsInTape);
    expect(result.eventsConsumed, 'nothing published is lost').toBe(result.eventsPublished);
    expect(result.checksumMatches).toBe(true);
  });

  it('after a stop, says how many bars were played beside the tape\'s, and the counts per instrument are of those', async () => {
    const { code, stdout, stderr } = await replayWithSignal('SIGINT', '--no-progress');
    expect(code, stderr).toBe(130);
    const head = /^replay: 3 files, 52,560 bars, ([\d,]+) played before the stop \(BTCUSDT ([\d,]+), ETHUSDT ([\d,]+), SOLUSDT ([\d,]+)\)$/m.exec(stdout);
    expect(head, `the first line says the bars played; stdout:\n${stdout}`).not.toBeNull();
    const [played, ...perInstrument] = head!.slice(1).map((n) => Number(n.replaceAll(',', '')));
    expect(played).toBeLessThan(52_560);
    expect(perInstrument.reduce((a, b) => a + b, 0), 'the per-instrument counts add up to the bars played').toBe(played);
  });

  it('drains on SIGTERM too, exiting with 143', async () => {
    const { code, stdout } = await replayWithSignal('SIGTERM');
    expect(code).toBe(143);
    expect(JSON.parse(stdout).eventsConsumed).toBe(JSON.parse(stdout).eventsPublished);
  });
});
