// Bad input a user gives the CLI, each answered with one line naming the flag or file, the value
// and the rule, and exit 2: never an internal error with a stack, never a run that exits 0 with
// a wrong or empty result. The cases came from an adversarial pass over every command:
//   - the same data file given twice (every bar was played, and traded on, twice);
//   - a --bar-interval longer than the data's (bars overlapped: a decision could see a bar
//     before it closed), in backtest and label;
//   - a store window that selects no rows (an empty run reported as a result);
//   - an output path that cannot be written (it failed at the end, after the run);
//   - a strategy or `model.instruments` naming an instrument the data lacks, a regime model whose featureSpec holds a
//     bad token, a directory where a data file or a model file belongs, a bad --url, --ttl or
//     --attempts, a watch --url where another HTTP server listens, and `replay --journal` / `killswitch status --journal` on a directory that is
//     not a journal (it used to create one there, or report "clear").
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quantflow } from './run-harness.js';

const ETH = 'data/binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv';
let dir: string;
let slice: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'qf-bad-input-'));
  slice = path.join(dir, 'eth.csv');
  writeFileSync(slice, `${readFileSync(ETH, 'utf8').split('\n').slice(0, 601).join('\n')}\n`);
  writeFileSync(`${slice}.meta.json`, readFileSync(`${ETH}.meta.json`));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `quantflow args` and expects exit 2 with one stderr line matching `message` (and no stack). */
async function refused(args: string[], message: RegExp): Promise<string> {
  const run = await quantflow(args);
  expect(run.code, `quantflow ${args.join(' ')}\nstderr: ${run.stderr}`).toBe(2);
  expect(run.stderr, `quantflow ${args.join(' ')}`).not.toMatch(/internal error|\n\s+at /);
  expect(run.stderr.trim().split('\n'), `one line: ${run.stderr}`).toHaveLength(1);
  expect(run.stderr).toMatch(message);
  return run.stderr;
}

describe('the CLI refuses bad input with one line and exit 2', () => {
  it("commander's own refusals (unknown option or command, a missing value or required option, a bad choice, a surplus argument): one line naming the command's help, exit 2", async () => {
    await refused(['replay', '--bogus'], /^quantflow: unknown option '--bogus' \(see `quantflow replay --help`\)$/m);
    await refused(['backtest', '--batch'], /^quantflow: option '--batch <n>' argument missing \(see `quantflow backtest --help`\)$/m);
    await refused(['indicators', '--in', slice], /^quantflow: required option '--ind <spec>' not specified \(see `quantflow indicators --help`\)$/m);
    await refused(['replay', '--wait', 'nap'], /argument 'nap' is invalid\. Allowed choices are spin-then-sleep, spin-then-yield, busy-spin\. \(see `quantflow replay --help`\)$/m);
    await refused(['replay', 'extra'], /too many arguments for 'replay'.* \(see `quantflow replay --help`\)$/m);
    await refused(['models', 'show'], /^quantflow: missing required argument 'hash' \(see `quantflow models show --help`\)$/m);
    await refused(['bakctest'], /^quantflow: unknown command 'bakctest' \(Did you mean backtest\?\) \(see `quantflow --help`\)$/m);
    const help = await quantflow(['regime', 'fit', '--help']);
    expect(help.code, 'help asked for still exits 0').toBe(0);
    expect(help.stdout).toContain('Usage: quantflow regime fit');
  });

  it('replay --config or --equity without --decide (both were ignored unsaid, a missing --config file too)', async () => {
    await refused(['replay', '--in', slice, '--config', path.join(dir, 'missing.yaml')], /^quantflow: --config needs --decide: only decisions read the configuration .*, was ".*missing\.yaml" without --decide$/m);
    await refused(['replay', '--in', slice, '--equity', '250000'], /^quantflow: --equity needs --decide: only decisions size against the account, was "250000" without --decide$/m);
  });

  it('regime filter --registry at a directory that holds no registry: refused, and nothing made there (it created an empty registry)', async () => {
    const typo = path.join(dir, 'regime-registyr');
    await refused(['regime', 'filter', '--model', 'eth', '--registry', typo, '--in', slice, '--out', path.join(dir, 'filtered.csv')],
      /^quantflow: --registry: .*regime-registyr is not a regime model registry \(it holds no data\.mdb\); one is made by `quantflow regime fit --registry DIR --name NAME`$/m);
    expect(existsSync(typo), 'no directory made at the mistyped path').toBe(false);
    const empty = path.join(dir, 'empty-folder');
    mkdirSync(empty);
    await refused(['regime', 'filter', '--model', 'eth', '--registry', empty, '--in', slice, '--out', path.join(dir, 'filtered.csv')], /empty-folder is not a regime model registry/);
    expect(readdirSync(empty), 'the folder is left empty').toEqual([]);
  });

  it('import: an --in file that is missing or given twice is refused before the store is opened (a new empty store was left behind, or the first copy imported)', async () => {
    const store = path.join(dir, 'import-missing-store');
    const missing = path.join(dir, 'no-such-trades.csv');
    await refused(['import', '--store', store, '--in', slice, missing, '--no-progress'], new RegExp(`^quantflow: --in: ${missing} does not exist: give a CSV file$`, 'm'));
    expect(existsSync(store), 'no store was made').toBe(false);
    await refused(['import', '--store', store, '--in', slice, `${dir}/./eth.csv`, '--no-progress'], new RegExp(`^quantflow: --in: .*eth\\.csv is given twice \\(also as ${slice}\\): each file once$`, 'm'));
    expect(existsSync(store), 'nothing was imported').toBe(false);
  });

  it('a data file given twice', async () => {
    await refused(['backtest', '--data', slice, slice, '--config', 'config/examples/ema-cross.yaml', '--out', path.join(dir, 'twice'), '--no-run-store'], /eth\.csv is given twice \(symbol ETHUSDT, bars\): each source once/);
  });

  it('an --out folder whose outputs would be written over a data file (the data was overwritten)', async () => {
    const folder = path.join(dir, 'data-and-out');
    mkdirSync(folder);
    const data = path.join(folder, 'equity.csv');
    const bars = readFileSync(slice, 'utf8');
    writeFileSync(data, bars);
    writeFileSync(`${data}.meta.json`, readFileSync(`${ETH}.meta.json`));
    await refused(['backtest', '--data', data, '--config', 'config/examples/ema-cross.yaml', '--out', folder, '--no-run-store'],
      /--out: .*data-and-out\/equity\.csv would be written over the input .*equity\.csv; give another folder for the outputs/);
    expect(readFileSync(data, 'utf8'), 'the data file is untouched').toBe(bars);
  });

  it('a --bar-interval longer than the gap between bars, in backtest and label', async () => {
    const overlap = /the bar interval 1d is longer than the smallest gap between two bars \(1h\): the bars would overlap/;
    await refused(['backtest', '--data', slice, '--bar-interval', '1d', '--config', 'config/examples/ema-cross.yaml', '--out', path.join(dir, 'overlap'), '--no-run-store'], overlap);
    await refused(['label', '--in', slice, '--bar-interval', '1d', '--out', path.join(dir, 'labels.csv')], overlap);
    const fine = await quantflow(['backtest', '--data', slice, '--bar-interval', '1h', '--config', 'config/examples/ema-cross.yaml', '--out', path.join(dir, 'fine'), '--no-run-store']);
    expect(fine.code, `the data's own interval is accepted: ${fine.stderr}`).toBe(0);
  });

  it('a store window outside every series', async () => {
    const store = path.join(dir, 'store');
    const imported = await quantflow(['import', '--store', store, '--in', slice]);
    expect(imported.code, imported.stderr).toBe(0);
    await refused(['backtest', '--data', `store:${store}?symbol=ETHUSDT&from=2030-01-01`, '--config', 'config/examples/ema-cross.yaml', '--out', path.join(dir, 'empty-window'), '--no-run-store'],
      /from\/to select no rows of the matching series \(store:.*ETHUSDT\/bars\/1h: bars opening 2024-04-16T.* \.\. 2024-05-11T/);
    // Inside the series but between two rows (bars are an hour apart), and an empty window.
    const backtest = (query: string): string[] => ['backtest', '--data', `store:${store}?${query}`, '--config', 'config/examples/ema-cross.yaml', '--out', path.join(dir, 'window'), '--no-run-store'];
    await refused(backtest('symbol=ETHUSDT&from=2024-04-20T05:30:00Z&to=2024-04-20T05:40:00Z'), /from\/to select no rows of the matching series/);
    await refused(backtest('symbol=ETHUSDT&from=2024-04-20T05:00:00Z&to=2024-04-20T05:00:00Z'), /from\/to select no rows of the matching series/);
    // Times are strict: no rollover, no other units read as ns, one value per key.
    for (const bad of ['from=2024-02-30', 'from=2024-04-31T00:00:00Z', 'from=2024-04-20T24:00:00Z', 'from=1713589200000', 'from=-1', 'to=20240420', 'from=2024-04-20T05:00:00+02:00']) {
      await refused(backtest(`symbol=ETHUSDT&${bad}`), /must be an ISO 8601 date or time .* or integer ns since the epoch \(18 or 19 digits\), was/);
    }
    await refused(backtest('symbol=ETHUSDT&symbol=BTCUSDT'), /`symbol` is given 2 times; give it once/);
    const ok = await quantflow([...backtest('symbol=ETHUSDT&from=2024-04-20T05:00:00%2B02:00&to=1713600000000000000'), '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).fills).toBeGreaterThanOrEqual(0);
  });

  it('a strategy instrument the data lacks', async () => {
    await refused(['backtest', '--data', slice, '--config', 'config/examples/fusion-ml.yaml', '--out', path.join(dir, 'ml'), '--no-run-store', '--no-ahead-cache'],
      /`strategies\[0\]\.instruments\[0\]` must be an instrument of the run \(ETHUSDT\), was "BTCUSDT"/);
  });

  it('a model.instruments symbol the run lacks (it silently left the run without the ML expert), in backtest, walkforward and paper', async () => {
    const root = path.resolve('.');
    const config = path.join(dir, 'fusion-ml-typo.yaml');
    writeFileSync(config, readFileSync('config/examples/fusion-ml.yaml', 'utf8')
      .replace('regimeModel: ../../data/models/btc-1h-regime.json', `regimeModel: ${path.join(root, 'data/models/btc-1h-regime.json')}`)
      .replace('path: ../../data/models/btc-1h-q5', `path: ${path.join(root, 'data/models/btc-1h-q5')}`)
      .replace('    instruments: [BTCUSDT]', '    instruments: [ETHUSDT]')
      .replace('  instruments: [BTCUSDT]', '  instruments: [ETHUSD]'));
    const rule = /`model\.instruments\[0\]` must be an instrument of the run \(ETHUSDT\), was "ETHUSD"/;
    await refused(['backtest', '--data', slice, '--config', config, '--out', path.join(dir, 'ml-typo'), '--no-run-store', '--no-ahead-cache'], rule);
    await refused(['walkforward', '--data', slice, '--config', config, '--train', '240h', '--test', '120h', '--state', path.join(dir, 'wf-state'), '--out', path.join(dir, 'wf-typo'), '--no-ahead-cache'], rule);
    await refused(['paper', '--data', slice, '--config', config, '--port', '0', '--speed', '360000000'], rule);
  });

  it('killswitch reset with a blank --reason is bad usage: exit 2 and one line naming --reason (not exit 3, a refused reset)', async () => {
    await refused(['killswitch', 'reset', '--reason', '', '--token', 'x'], /^quantflow: option '--reason <text>' must explain why trading may resume, was "" \(see `quantflow killswitch reset --help`\)$/m);
    await refused(['killswitch', 'reset', '--reason', '   ', '--journal', path.join(dir, 'no-journal')], /option '--reason <text>' must explain why trading may resume, was "   "/);
  });

  it('regime fit and filter print their result on stdout (diagnostics stay on stderr)', async () => {
    const fitted = path.join(dir, 'regime-out.json');
    const registry = path.join(dir, 'regime-out-registry');
    const fit = await quantflow(['regime', 'fit', '--in', slice, '--final', '--state', path.join(dir, 'research'), '--out', fitted, '--restarts', '1', '--registry', registry, '--name', 'eth']);
    expect(fit.code, fit.stderr).toBe(0);
    expect(fit.stdout, 'the fit summary and the registration are the result').toMatch(new RegExp(`^${fitted.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\d states \\(.*\\), \\d+ rows, log-likelihood -?[\\d.]+, \\d+ iterations\n(.*\n)*${registry.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: registered eth@1\n$`));
    expect(fit.stderr, 'not on stderr').not.toMatch(/states \(|registered/);
    const filtered = path.join(dir, 'regime-out.csv');
    const filter = await quantflow(['regime', 'filter', '--model', fitted, '--in', slice, '--out', filtered]);
    expect(filter.code, filter.stderr).toBe(0);
    expect(filter.stdout).toMatch(/bars filtered \(\d+ warm-up bars without features\), log-likelihood/);
    expect(filter.stderr).not.toMatch(/bars filtered/);
  });

  it('a regime model whose featureSpec holds a bad token, and a directory as the model', async () => {
    const fitted = path.join(dir, 'regime.json');
    const fit = await quantflow(['regime', 'fit', '--in', slice, '--final', '--state', path.join(dir, 'research'), '--out', fitted, '--restarts', '1']);
    expect(fit.code, fit.stderr).toBe(0);
    const model = JSON.parse(readFileSync(fitted, 'utf8')) as { featureSpec: string[] };
    model.featureSpec[1] = 'rvol:0';
    const bad = path.join(dir, 'regime-bad.json');
    writeFileSync(bad, JSON.stringify(model));
    await refused(['regime', 'filter', '--model', bad, '--in', slice, '--out', path.join(dir, 'f.csv')], /regime-bad\.json: `featureSpec` \[.*"rvol:0".*\]: indicator token `rvol:0`: `period` must be an integer >= 2, was "0"/);
    await refused(['backtest', '--data', slice, '--config', 'config/examples/ema-cross.yaml', '--regime-model', bad, '--out', path.join(dir, 'rm'), '--no-run-store'], /--regime-model: .*`featureSpec`/);
    await refused(['regime', 'filter', '--model', dir, '--in', slice, '--out', path.join(dir, 'f.csv')], /--model: .*: cannot read the regime model: it is a directory/);
  });

  it('a directory where a data file belongs', async () => {
    const folder = path.join(dir, 'a-folder');
    mkdirSync(folder, { recursive: true });
    await refused(['label', '--in', folder, '--bar-stamp', 'close', '--out', path.join(dir, 'l.csv')], new RegExp(`--in: ${folder} is a directory: give a bar CSV file`));
    await refused(['regime', 'fit', '--in', folder, '--out', path.join(dir, 'r.json')], new RegExp(`--in: ${folder} is a directory: give a bar CSV file`));
  });

  it('an --in file that is not there or is a directory is named as such (label blamed a missing --bar-stamp)', async () => {
    const missing = path.join(dir, 'no-such-bars.csv');
    const folder = path.join(dir, 'another-folder');
    mkdirSync(folder, { recursive: true });
    await refused(['label', '--in', missing, '--out', path.join(dir, 'l.csv')], new RegExp(`^quantflow: --in: ${missing} does not exist: give a bar CSV file$`, 'm'));
    await refused(['label', '--in', folder, '--out', path.join(dir, 'l.csv')], new RegExp(`^quantflow: --in: ${folder} is a directory: give a bar CSV file$`, 'm'));
    await refused(['replay', '--in', missing], new RegExp(`^quantflow: --in: ${missing} does not exist: give a bar CSV file$`, 'm'));
    await refused(['indicators', '--in', missing, '--ind', 'ema:3', '--out', path.join(dir, 'i.csv')], new RegExp(`^quantflow: --in: ${missing} does not exist`, 'm'));
  });

  it('label --in an empty file, or one with only a header, says so naming it (it asked for --bar-stamp first)', async () => {
    const empty = path.join(dir, 'empty-bars.csv');
    const header = path.join(dir, 'header-only-bars.csv');
    writeFileSync(empty, '');
    writeFileSync(header, 'time,open,high,low,close,volume\n');
    await refused(['label', '--in', empty, '--out', path.join(dir, 'l.csv')], new RegExp(`^quantflow: --in: ${empty}: file is empty: expected a header line and at least one row$`, 'm'));
    await refused(['label', '--in', header, '--out', path.join(dir, 'l.csv')], new RegExp(`^quantflow: --in: ${header}: file has a header but no rows: expected at least one row$`, 'm'));
  });

  it('regime fit --states out of range names the flag and the range, before reading the data', async () => {
    const missing = path.join(dir, 'no-such-bars.csv');
    await refused(['regime', 'fit', '--in', missing, '--out', path.join(dir, 's.json'), '--states', '40'], /^quantflow: `--states` must be an integer in \[1, 8\], was "40"$/m);
    await refused(['regime', 'fit', '--in', missing, '--out', path.join(dir, 's.json'), '--states', '0'], /`--states` must be an integer in \[1, 8\], was "0"/);
  });

  it('watch --url at a server that is not QuantFlow\'s (the client would reconnect forever)', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await refused(['watch', 'state', '--url', `ws://127.0.0.1:${port}/`], new RegExp(`ws://127\\.0\\.0\\.1:${port}/ is not a QuantFlow state server: http://127\\.0\\.0\\.1:${port}/health answered HTTP 404 \\("not found"\\)`));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('bad --url, --ttl, --attempts', async () => {
    await refused(['watch', 'state', '--url', 'ws://127.0.0.1:99999/'], /--url must be a ws:\/\/ or wss:\/\/ URL \(host and port 1-65535\), was "ws:\/\/127\.0\.0\.1:99999\/"/);
    await refused(['killswitch', 'token', '--subject', 'ops', '--ttl', 'abc'], /`--ttl` must be an integer number of seconds in \[1, 86400\], was "abc"/);
    const spec = path.join(dir, 'sweep.yaml');
    writeFileSync(spec, [`base: ${path.resolve('config/examples/ema-cross.yaml')}`, `data: [${slice}]`, 'parameters:', '  fast: [5, 8]', 'set:', '  strategies[0].long.entry: "ema:{fast} >= ema:30"', '  strategies[0].long.exit: "ema:{fast} < ema:30"', ''].join('\n'));
    await refused(['sweep', spec, '--state', path.join(dir, 'sweeps'), '--attempts', '0'], /--attempts/);
    // A data file that is not there fails every local run: said before any run starts.
    const noData = path.join(dir, 'sweep-no-data.yaml');
    writeFileSync(noData, readFileSync(spec, 'utf8').replace(`data: [${slice}]`, `data: [${path.join(dir, 'missing.csv')}]`));
    await refused(['sweep', noData, '--state', path.join(dir, 'sweeps-no-data')], /invalid sweep spec: `data` .*missing\.csv does not exist/);
    // A parameter no template sets: a warning (its runs would have the same configuration).
    const unset = path.join(dir, 'sweep-unset.yaml');
    writeFileSync(unset, readFileSync(spec, 'utf8').replace('  fast: [5, 8]', '  fast: [5, 8]\n  other: [1, 2]'));
    const warned = await quantflow(['sweep', unset, '--state', path.join(dir, 'sweeps-unset'), '--workers', '1']);
    expect(warned.code, warned.stderr).toBe(0);
    expect(warned.stderr).toContain('sweep: warning: no `set` template names {other}: runs that differ only in it have the same configuration');
  });

  it('a YAML alias bomb as a sweep spec; --status on a missing state or without --id; an output that is the input', async () => {
    const bomb = path.join(dir, 'bomb.yaml');
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i <= 8; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    writeFileSync(bomb, `${levels.join('\n')}\n`);
    await refused(['sweep', bomb, '--state', path.join(dir, 'bomb-state')], /bomb\.yaml: invalid YAML: .*alias/i);
    const missing = path.join(dir, 'no-such-state');
    await refused(['sweep', '--status', '--id', 'x', '--state', missing], /sweep state .*no-such-state holds no sweep/);
    expect(existsSync(missing), 'a query creates nothing').toBe(false);
    const spec = path.join(dir, 'status-sweep.yaml');
    const data = path.join(dir, 'sweep-data.csv');
    writeFileSync(data, readFileSync(slice));
    writeFileSync(`${data}.meta.json`, readFileSync(`${slice}.meta.json`));
    writeFileSync(spec, [`base: ${path.resolve('config/examples/ema-cross.yaml')}`, `data: [${data}]`, 'parameters:', '  fast: [5, 8]', 'set:', '  strategies[0].long.entry: "ema:{fast} >= ema:30"', '  strategies[0].long.exit: "ema:{fast} < ema:30"', ''].join('\n'));
    const ran = await quantflow(['sweep', spec, '--state', path.join(dir, 'status-state'), '--workers', '1', '--json']);
    expect(ran.code, ran.stderr).toBe(0);
    // The data file changed: another sweep, not a resume of the results of the old bars.
    writeFileSync(data, `${readFileSync(slice, 'utf8').trimEnd().split('\n').slice(0, 400).join('\n')}\n`);
    const again = await quantflow(['sweep', spec, '--state', path.join(dir, 'status-state'), '--workers', '1', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).id).not.toBe(JSON.parse(ran.stdout).id);
    expect(again.stderr).not.toMatch(/resuming/);
    await refused(['sweep', '--status', '--state', path.join(dir, 'status-state')], /`--status` needs `--id SWEEP`; the sweeps in .*status-state: sw-[0-9a-f]+/);
    const input = path.join(dir, 'label-in.csv');
    writeFileSync(input, readFileSync(slice));
    writeFileSync(`${input}.meta.json`, readFileSync(`${slice}.meta.json`));
    await refused(['label', '--in', input, '--out', input], /--out: .*label-in\.csv is also an input of this command; give another file for the output/);
    expect(readFileSync(input, 'utf8')).toBe(readFileSync(slice, 'utf8'));
  });

  it('an output path that cannot be written, before any work is done', async () => {
    await refused(['backtest', '--data', slice, '--config', 'config/examples/ema-cross.yaml', '--out', slice, '--no-run-store'], new RegExp(`--out: ${slice.replace(/[.]/g, '\\.')} is a file; give a directory for the outputs`));
    await refused(['backtest', '--data', slice, '--config', 'config/examples/ema-cross.yaml', '--out', path.join(slice, 'sub'), '--no-run-store'], /--out: cannot make the directory .*eth\.csv\/sub: a file is in the way/);
    await refused(['label', '--in', slice, '--out', dir], /--out: .* is a directory; give a file name/);
    // sweep --out and montecarlo --out were written after all the runs (sweep: 'EEXIST: ... mkdir', no flag named).
    const spec = path.join(dir, 'out-sweep.yaml');
    writeFileSync(spec, `base: ${path.resolve('config/examples/ema-cross.yaml')}\ndata: [${slice}]\nparameters:\n  fast: [3, 5]\nset:\n  strategies[0].long.entry: "ema:{fast} >= ema:20"\n`);
    await refused(['sweep', spec, '--workers', '1', '--state', path.join(dir, 'out-sweep-state'), '--out', slice], new RegExp(`--out: ${slice.replace(/[.]/g, '\\.')} is a file; give a directory for the outputs`));
    expect(existsSync(path.join(dir, 'out-sweep-state')), 'refused before the sweep made its state').toBe(false);
    await refused(['sweep', spec, '--workers', '1', '--state', slice], /sweep state .*eth\.csv is a file/);
    const backtest = path.join(dir, 'out-backtest');
    expect((await quantflow(['backtest', '--data', slice, '--config', 'config/examples/ema-cross.yaml', '--out', backtest, '--no-run-store'])).code).toBe(0);
    await refused(['montecarlo', '--run', backtest, '--out', dir], /--out: .* is a directory; give a file name/);
    await refused(['montecarlo', '--run', backtest, '--out', path.join(backtest, 'report.json')], /--out: .*report\.json is also an input of this command/);
    await refused(['replay', '--in', slice, '--decide', '--config', 'config/examples/ema-cross.yaml', '--trades', path.join(slice, 'trades.csv')], /--trades: cannot make the folder of .*: a file is in the way/);
    // A directory flag takes an existing directory again (a re-run), a file flag an existing file.
    const features = path.join(dir, 'features-out');
    for (let run = 1; run <= 2; run++) {
      const again = await quantflow(['features', '--data', slice, '--out', features, '--state', path.join(dir, 'research'), '--reserve', '0']);
      expect(again.code, `features into ${features}, run ${run}: ${again.stderr}`).toBe(0);
      const labels = await quantflow(['label', '--in', slice, '--state', path.join(dir, 'research'), '--out', path.join(dir, 'labels-again.csv')]);
      expect(labels.code, `label into the same file, run ${run}: ${labels.stderr}`).toBe(0);
    }
  });

  it('a symbol with spaces, commas or control characters, from --symbol or a sidecar', async () => {
    const rule = 'must be 1-64 characters: letters, digits and / : \\. _ - \\^ = @, starting with a letter, a digit or \\^';
    await refused(['import', '--store', path.join(dir, 'sym-store'), '--in', slice, '--symbol', 'ETH USDT'], new RegExp(`\`--symbol\` ${rule}, was "ETH USDT"`));
    await refused(['backtest', '--data', slice, '--symbol', 'a,b', '--config', 'config/examples/ema-cross.yaml', '--out', path.join(dir, 'sym'), '--no-run-store'], /`--symbol` must be 1-64 characters.*, was "a,b"/);
    const sidecar = path.join(dir, 'sidecar-symbol.csv');
    writeFileSync(sidecar, readFileSync(slice));
    writeFileSync(`${sidecar}.meta.json`, JSON.stringify({ kind: 'bars', barStamp: 'open', symbol: 'ETH\u0007' }));
    await refused(['import', '--store', path.join(dir, 'sym-store'), '--in', sidecar], /sidecar-symbol\.csv\.meta\.json.*`symbol` must be 1-64 characters.*, was "ETH\\u0007"/);
    const ok = await quantflow(['import', '--store', path.join(dir, 'sym-store'), '--in', slice, '--symbol', 'ETH/USDT:USDT']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('ETH/USDT:USDT/bars/1h');
  });

  it('a bad row deep in a trades file, met while the replay plays it', async () => {
    const rows = Array.from({ length: 300 }, (_, i) => `${1723161255342 + i * 1000},${1000 + i},61837.5,0.01,${i === 200 ? 'x' : 'buy'}`);
    const trades = path.join(dir, 'ticks_BTCUSDT.csv');
    writeFileSync(trades, `trade_time_ms,trade_id,price,qty,aggressor_side\n${rows.join('\n')}\n`);
    await refused(['backtest', '--data', trades, '--config', 'config/examples/ema-cross.yaml', '--out', path.join(dir, 'ticks'), '--no-run-store'],
      /ticks_BTCUSDT\.csv:202: `aggressor_side` must be buy, sell .*, was 'x' \(--on-bad-row skip skips bad rows and counts them by rule\)/);
  });

  it('two sources of one symbol that overlap in time (plain and .gz, another market under the name); one after the other plays', async () => {
    const lines = readFileSync(slice, 'utf8').trimEnd().split('\n');
    const gz = path.join(dir, 'again', 'eth.csv.gz');
    mkdirSync(path.dirname(gz), { recursive: true });
    writeFileSync(gz, gzipSync(`${lines.join('\n')}\n`));
    writeFileSync(`${gz}.meta.json`, readFileSync(`${slice}.meta.json`));
    await refused(['backtest', '--data', slice, gz, '--config', 'config/examples/ema-cross.yaml', '--out', path.join(dir, 'overlap-gz'), '--no-run-store'],
      /again\/eth\.csv\.gz and .*\/eth\.csv overlap in time \(bars of one instrument; .* has a record at 2024-04-16T02:00:00\.000Z before .* ends\): the same data given twice, or two sources under one symbol/);
    // The same period split in two files plays as the one file does.
    const [first, second] = [path.join(dir, 'part1', 'eth.csv'), path.join(dir, 'part2', 'eth.csv')];
    for (const [file, rows] of [[first, lines.slice(1, 301)], [second, lines.slice(301)]] as const) {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, `${lines[0]}\n${rows.join('\n')}\n`);
      writeFileSync(`${file}.meta.json`, readFileSync(`${slice}.meta.json`));
    }
    const whole = await quantflow(['backtest', '--data', slice, '--config', 'config/examples/ema-cross.yaml', '--out', path.join(dir, 'whole'), '--no-run-store', '--json']);
    const split = await quantflow(['backtest', '--data', second, first, '--config', 'config/examples/ema-cross.yaml', '--out', path.join(dir, 'split'), '--no-run-store', '--json']);
    expect(split.code, split.stderr).toBe(0);
    expect(JSON.parse(split.stdout).fillsSha256).toBe(JSON.parse(whole.stdout).fillsSha256);
  });

  it('run: a file where the journal directory belongs (--journal or live.journal) is refused naming the setting and the path', async () => {
    const file = path.join(dir, 'journal-is-a-file');
    writeFileSync(file, 'not a directory\n');
    const config = path.join(dir, 'run-journal-file.yaml');
    writeFileSync(config, `live:\n  adapter: ccxt\n  journal: ${JSON.stringify(file)}\n  instruments:\n    - { symbol: ETH/USDT }\n`);
    await refused(['run', '--mode', 'paper', '--config', config, '--journal', file, '--no-serve'], /^quantflow: --journal must be a journal directory, was ".*journal-is-a-file": .* is a file, or lies under one$/m);
    await refused(['run', '--mode', 'paper', '--config', config, '--no-serve'], /^quantflow: live\.journal \(.*run-journal-file\.yaml\) must be a journal directory, was ".*journal-is-a-file"/m);
    expect(readFileSync(file, 'utf8'), 'the file is left as it was').toBe('not a directory\n');
  });

  it('a directory that is not a journal, given as --journal: refused, and left as it was', async () => {
    const empty = path.join(dir, 'not-a-journal');
    mkdirSync(empty, { recursive: true });
    await refused(['replay', '--journal', empty], /not-a-journal holds no journal \(no data\.mdb\)/);
    await refused(['killswitch', 'status', '--journal', empty], /holds no journal/);
    expect(readdirSync(empty), 'nothing created in it').toEqual([]);
    const store = path.join(dir, 'store-not-journal');
    const imported = await quantflow(['import', '--store', store, '--in', slice]);
    expect(imported.code, imported.stderr).toBe(0);
    await refused(['killswitch', 'status', '--journal', store], /is an LMDB environment but not a journal/);
    await refused(['replay', '--journal', store], /is an LMDB environment but not a journal/);
    expect(existsSync(path.join(store, 'data.mdb'))).toBe(true);
  });
});
