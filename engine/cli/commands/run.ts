// `quantflow run --mode live|paper --config FILE [--journal DIR] [--i-understand-live]
// [--on-exit drain|cancel|keep] [--regime-model FILE]`: a session on a live venue's pushed market
// data (engine/live push mode), configured by the configuration's `live` section
// (engine/config/live-config.ts).
//   live   the core's orders go to the venue through the journal (journaled and committed before
//          they are sent); it refuses to start without --i-understand-live (exit 2, says why).
//   paper  the same feed; the core's simulated venue fills the orders; nothing is sent to the
//          venue and no credentials are needed.
// Credentials come from the environment or a file outside the repository (live.credentials);
// every log line goes through a redactor holding them, and they are never journaled or printed.
// Ctrl-C (SIGINT/SIGTERM) stops by the on-exit policy (drain, cancel or keep working orders),
// journals who and why, prints the summary and exits 0; a second Ctrl-C exits at once (130) and
// leaves the journal as a kill would: what was committed, which the next start recovers.
// The configured ML model (config `model`) serves the fusion instruments (those in model.instruments
// when given): the core waits for each bar's MODEL record, journaled before it is published; a model
// that cannot serve, or that no instrument would wait for, leaves the session trading without the
// ML expert, and the log says why. The last stdout line is the session's result as JSON.
// While it runs, the session is watched and controlled through the state server (engine/server,
// on monitoring.host and monitoring.port, 127.0.0.1:8787 by default, overridden by --host and
// --port, 0 picks a free one; --no-serve skips it): the dashboard, WebSocket topics (state,
// orders, fills, regime, risk, latency with the journal and venue stages, health), /health (not
// ready while recovering, reconciling or disconnected) and /metrics, and control actions with a
// signed token (config `control`): kill-switch trip and reset, journaled with the token's subject
// and applied in the core where journaled (engine/live session-server-control.ts). The
// `monitoring.webhooks` get fills, risk denials, kill-switch changes, model alerts and feed health,
// at least once: each event is kept in <journal>/webhook-outbox until its hook answers 2xx.
import { Command } from 'commander';
import { mkdirSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig, type CredentialsSource, type LiveConfig, type QuantFlowConfig } from '../../config/index.js';
import { runLiveSession, SessionStop, ON_EXIT_POLICIES, type OnExitPolicy, type PushVenueAdapter, type LiveSessionResult, type LiveSessionModel } from '../../live/index.js';
import { openConfiguredModel } from '../../models/index.js';
import type { PipelineSpec } from '../../pipeline/index.js';
import { Journal, parseDurability } from '../../journal/index.js';
import { OrderIdRange, pipelineFromJson, shadowPipeline } from '../../live/index.js';
import { instrumentsByStrategy, tradingPipeline } from '../../replay/index.js';
import { readRegimeModelFile } from '../../regime/index.js';
import { packageRoot } from '../../core/package-root.js';
import type { IbJournaledExecutions } from '../../../adapters/ib/index.js';
import { checkJournalInstruments, describeInstruments, JournalInstrumentsError, readJournaledFills, Redactor, redactingLog, type JournaledFills } from '../../live/index.js';
import { UserFacingError } from '../cli-error.js';
import { parseIntegerOption } from '../parse-options.js';
import { exitWhenLingering } from '../exit-when-lingering.js';
import { LiveSessionMonitor, SessionControlRefused, holdJournal, releaseJournal } from '../../live/index.js';
import { WebhookOutbox, dashboardMounts, startStateServer, webhookOutboxPath, type StateServer } from '../../server/index.js';
import { DirectoryTicketStore, DirectoryTokenLedger, resumeTicketStorePath, usedTokenLedgerPath } from '../../killswitch/index.js';
import { timeframeSeconds } from '../../decision/index.js';

interface RunFlags {
  mode: string;
  config?: string;
  journal?: string;
  iUnderstandLive?: boolean;
  onExit?: string;
  regimeModel?: string;
  shadowPaper?: boolean;
  acceptCoreChange?: boolean;
  port?: string;
  host?: string;
  serve: boolean;
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('Trade on a live venue\'s pushed market data: --mode live sends orders to the venue through the journal; --mode paper fills them in the core\'s simulated venue')
    .requiredOption('--mode <mode>', 'live (orders to the venue; needs --i-understand-live) or paper (simulated fills, no orders leave)')
    .requiredOption('--config <file>', 'configuration with a `live` section (venue, instruments, credentials source, journal, durability, on-exit policy)')
    .option('--journal <dir>', 'journal and checkpoint directory (default: live.journal)')
    .option('--i-understand-live', 'live mode sends real orders with real money; required for --mode live')
    .option('--on-exit <policy>', 'working orders at Ctrl-C: drain (wait for them, bounded), cancel (cancel at the venue and wait for the answers) or keep (leave them)')
    .option('--regime-model <file>', 'regime model JSON (from `regime fit`) for fusion strategies')
    .option('--shadow-paper', 'live mode: run the core\'s simulated venue beside the live one on the same feed and report the drift (fill rate, slippage, latency) at the end (or live.shadowPaper: true)')
    .option('--accept-core-change', 'start on a journal another QuantFlow core build wrote (an upgrade): it replays through this core, every journaled command must come out again byte for byte, and this core becomes its writer (see README "Crash safety")')
    .option('--port <n>', 'dashboard and state server port (0: a free port; default: monitoring.port, 8787)')
    .option('--host <address>', 'address the dashboard and state server listen on (default: monitoring.host, 127.0.0.1)')
    .option('--no-serve', 'no state server: the session cannot be watched or controlled while it runs')
    .action(async (flags: RunFlags) => runCommand(flags));
}

async function runCommand(flags: RunFlags): Promise<void> {
  const mode = flags.mode;
  if (mode !== 'live' && mode !== 'paper') throw new UserFacingError(`--mode must be live or paper, was ${JSON.stringify(mode)}`);
  if (mode === 'live' && !flags.iUnderstandLive) {
    throw new UserFacingError('refusing to start --mode live without --i-understand-live: live mode sends real orders with real money to the venue in the configuration\'s `live` section. Try --mode paper first (same feed, simulated fills), then add --i-understand-live.');
  }
  if (flags.onExit !== undefined && !ON_EXIT_POLICIES.includes(flags.onExit as OnExitPolicy)) {
    throw new UserFacingError(`--on-exit must be one of ${ON_EXIT_POLICIES.join(', ')}, was ${JSON.stringify(flags.onExit)}`);
  }
  const config = loadRunConfig(flags.config!);
  const live = config.live;
  if (!live) throw new UserFacingError(`${flags.config}: no \`live\` section: \`quantflow run\` needs the venue, its instruments and the credentials source (see config/default.yaml, section live)`);
  // IB: TWS authenticates its own user; the API needs no key or secret.
  const credentials = mode === 'live' && live.adapter !== 'ib' ? readCredentials(live.credentials, packageRoot()) : null;
  const redactor = new Redactor(credentials ? [credentials.apiKey, credentials.secret] : []);
  const log = redactingLog(redactor, (line: string) => void process.stderr.write(`${line}\n`));
  // Flags and settings that can be refused are checked before the journal directory and its
  // instrument list are made: a refused --port left a journal pinned to this start's instruments.
  const port = flags.port !== undefined ? parseIntegerOption('--port', flags.port, 0, 65_535) : config.monitoring.port;
  const host = flags.host ?? config.monitoring.host;
  let durability;
  try {
    durability = parseDurability(live.durability, 'live.durability');
  } catch (error) {
    throw new UserFacingError(`${flags.config}: ${(error as Error).message}`);
  }
  // --journal is taken from the working directory, as command-line paths are; live.journal was
  // resolved against the configuration file's directory when it was loaded (engine/config).
  const journalDir = path.resolve(flags.journal ?? live.journal);
  try {
    mkdirSync(journalDir, { recursive: true });
  } catch (error) {
    // A file where the directory should be, no permission, a read-only disk: named with the setting that gave the path.
    const code = (error as NodeJS.ErrnoException).code;
    const problem = code === 'EEXIST' || code === 'ENOTDIR' ? 'is a file, or lies under one' : `cannot be created (${code ?? (error as Error).message})`;
    throw new UserFacingError(`${flags.journal !== undefined ? '--journal' : `live.journal (${flags.config})`} must be a journal directory, was ${JSON.stringify(flags.journal ?? live.journal)}: ${journalDir} ${problem}`);
  }
  const onExit = (flags.onExit as OnExitPolicy | undefined) ?? live.onExit.policy;

  let regimeModel;
  try {
    regimeModel = flags.regimeModel ? readRegimeModelFile(flags.regimeModel) : undefined;
  } catch (error) {
    throw new UserFacingError(`--regime-model: ${(error as Error).message}`);
  }
  let spec;
  const shadowPaper = flags.shadowPaper === true || live.shadowPaper;
  if (shadowPaper && mode !== 'live') throw new UserFacingError('--shadow-paper (live.shadowPaper) runs the simulated venue beside a live one: it needs --mode live (paper mode is the simulated venue already)');
  let shadowSpec;
  let strategies: Map<string, number[]> = new Map();
  let strategyOf: readonly (string | undefined)[] = [];
  // A restart trades the pipeline its journal started with (its account start included), so recovery replays the same decisions.
  const journaled = firstJournaledSession(journalDir);
  // A journal keeps the mode its first session started in: a paper journal's pipeline fills in the
  // core's simulated venue, so live on it would fill every order twice (there and at the venue).
  if (journaled !== null && journaled.mode !== mode) {
    throw new UserFacingError(`--mode ${mode}: journal ${journalDir} was started by a ${journaled.mode} session, and a journal keeps its first session's mode (${journaled.mode === 'paper' ? 'its pipeline fills orders in the simulated venue' : 'its orders went to the venue'}); give this ${mode} session a journal of its own with --journal DIR (a new directory)${flags.journal === undefined ? ' or live.journal' : ''}`);
  }
  // Its instrument ids keep their symbols: the journal's pipeline trades them by id.
  try {
    if (checkJournalInstruments(journalDir, live.instruments, journaled !== null, { listKept: journaled?.listKept ?? false }).recorded && journaled !== null) log(`run: journal ${journalDir} recorded no instrument list (made before lists were kept): recorded ${live.instruments.length} from live.instruments now`);
  } catch (error) {
    if (error instanceof JournalInstrumentsError) throw new UserFacingError(error.message);
    throw error;
  }
  const journaledSpec = journaled !== null ? pipelineFromJson(journaled.pipelineJson) : null;
  // Live orders are numbered in the journal's own range of ids (a new journal picks one), so no other journal's session on the account sends the same client order ids.
  const orderIds = mode !== 'live' ? undefined : journaledSpec ? journaledOrderIds(journalDir, journaledSpec) : OrderIdRange.pick();
  try {
    const pipelineInput = {
      config, instrumentNames: live.instruments.map((i) => i.symbol.replace('/', '')), timeframes: live.instruments.map((i) => i.timeframe),
      regimeModel, indicators: [], equity: live.equity, startNs: BigInt(Date.now()) * 1_000_000n, halted: false, simulate: mode === 'paper',
      ...(orderIds ? { firstOrderId: orderIds.firstOrderId } : {}),
    };
    const planned = tradingPipeline(pipelineInput);
    spec = planned.spec;
    strategies = instrumentsByStrategy(planned.strategyOf);
    strategyOf = planned.strategyOf;
    // The shadow: the same configuration and start, the core's simulated venue filling.
    if (shadowPaper) shadowSpec = tradingPipeline({ ...pipelineInput, simulate: true }).spec;
  } catch (error) {
    if (error instanceof RangeError || error instanceof ConfigError) throw new UserFacingError(`configuration: ${error.message}`);
    throw error;
  }
  // The ML expert (config `model`): the fusion instruments that get it wait for each bar's MODEL record (the shadow stays without it).
  const served = await serveModel(config, live.instruments.map((i) => i.symbol.replace('/', '')), spec);
  spec = served.spec;
  if (journaledSpec !== null) spec = journaledSpec;
  // Its shadow: the same journaled pipeline (without the ML expert), on the simulated venue, so it continues the journal's session.
  if (journaledSpec !== null && shadowSpec) shadowSpec = shadowPipeline(spec, shadowSpec);
  const adapter = await createAdapter(live, mode, credentials, log, journalDir, orderIds);
  log(`run: ${mode} on ${adapter.name}${live.baseUrl ? ` at ${live.baseUrl}` : ''}; instruments ${describeInstruments(live.instruments)}; `
    + `credentials ${describeCredentialsSource(mode === 'live' ? live.credentials : null, mode, live.adapter)}; journal ${journalDir} (${flags.journal !== undefined ? '--journal' : `live.journal of ${flags.config}`}; ${live.durability.mode})${orderIds ? `, ${orderIds.describe()}` : ''}; on exit ${onExit}; Ctrl-C stops`);

  if (served.line) log(served.line);

  // Where the state server listens (port and host above): --host and --port override the configuration's `monitoring` section.
  // The journal is held (its pid file) before the webhook outbox is opened, and released after it
  // is closed: the outbox sends what it holds when opened, so a second process started on a
  // journal in use must be refused before it opens it (it posted the running session's pending
  // events, and kept posting them for the monitor's close grace, beside the session doing so).
  holdRunJournal(journalDir);
  try {
    await runOnHeldJournal(live, mode, durability, spec, shadowSpec);
  } finally {
    releaseJournal(journalDir);
  }
  // The session stopped and its result is written: a venue client's leftover handle (after an
  // outage) must not keep the process running.
  exitWhenLingering(`run: ${mode} session`, log);

  // Its parameters are the checked settings above (narrowed for the closure).
  async function runOnHeldJournal(live: LiveConfig, mode: 'live' | 'paper', durability: ReturnType<typeof parseDurability>, spec: PipelineSpec, shadowSpec: PipelineSpec | undefined): Promise<void> {
    // Webhook events are kept in the journal directory until delivered: what a killed process left is sent first (at least once).
    const outbox = config.monitoring.webhooks.length > 0 ? WebhookOutbox.open(webhookOutboxPath(journalDir)) : undefined;
    const monitor = new LiveSessionMonitor({
      instruments: live.instruments.map((i) => ({ instrument: i.instrument, symbol: i.symbol, timeframeSeconds: timeframeSeconds(i.timeframe) })),
      strategyOf, mode, equity: live.equity, monitoring: config.monitoring, log, ...(outbox ? { outbox } : {}),
    });
    let server: StateServer | null = null;
    if (flags.serve) {
      try {
        server = await startStateServer({
          source: monitor, host, port, tokens: config.control, onControl: monitor.control.handle, onControlRefused: monitor.control.refusedByServer, onControlResumed: monitor.control.resumed, usedTokens: DirectoryTokenLedger.open(usedTokenLedgerPath(journalDir)), resumeTickets: DirectoryTicketStore.open(resumeTicketStorePath(journalDir)), staticFiles: dashboardMounts(packageRoot()),
        });
      } catch (error) {
        await monitor.close(0);
        outbox?.close();
        throw new UserFacingError(`run: ${(error as Error).message}${/could not listen/.test((error as Error).message) ? ': try another --port (0 picks a free one) or --no-serve' : ''}`);
      }
      log(`run: state server at http://${server.host}:${server.port}/ (dashboard; WebSocket ws://${server.host}:${server.port}/; /health, /metrics); control actions need a signed token`);
    }
    const stop = new SessionStop();
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals): void => {
      signals++;
      if (signals === 1) {
        log(`run: ${signal}: stopping (on exit ${onExit}, at most ${live.onExit.boundMs} ms); ${signal} again exits at once`);
        stop.stop({ policy: onExit, who: `operator (${signal}, pid ${process.pid})`, why: `${signal} received`, boundMs: live.onExit.boundMs });
        return;
      }
      process.stderr.write(`run: second ${signal}: exiting now; the journal keeps what was committed and the next start recovers from it\n`);
      process.exit(130);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let result: LiveSessionResult;
    try {
      result = await runLiveSession({
        journalDir, durability, pipeline: spec, adapter, checkpointEvery: live.checkpoint.everyRecords, log,
        watcher: monitor,
        strategies,
        maxConsecutiveRejects: live.maxConsecutiveRejects,
        acceptCoreChange: flags.acceptCoreChange === true,
        ...(served.model ? { model: served.model } : {}),
        reconcile: { foreignOrders: live.reconcile.foreignOrders, resubmitWithinNs: BigInt(live.reconcile.resubmitWithinMs) * 1_000_000n, positionTolerance: live.reconcile.positionTolerance },
        feed: 'push',
        push: {
          streams: live.instruments.map((i) => ({ instrument: i.instrument, channel: i.channel, timeframe: i.timeframe })),
          timerIntervalMs: live.timerMs, checkpointIntervalMs: live.checkpoint.everyMs, stop, venueOrders: mode === 'live',
          feedHealth: live.feedHealth,
          ...(shadowSpec ? { shadowPaper: shadowSpec } : {}),
        },
      });
    } catch (error) {
      // A configured symbol the venue does not list (adapters/ccxt): the configuration's error, named by its field.
      if ((error as Error).name === 'UnlistedSymbolError') throw new UserFacingError(`${flags.config}: ${(error as { describe(prefix: string): string }).describe('live.')}`);
      throw new UserFacingError(`run: ${redactor.redact((error as Error).message ?? String(error))}`, 1);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await monitor.close();
      outbox?.close();
      await server?.close();
    }
    const book = result.book;
    const exit = result.exit;
    process.stdout.write(`run: ${mode} session stopped${exit ? ` (${exit.who}; on exit ${exit.policy}: ${exit.workingAtStop.length} working at stop, ${exit.cancelsSent} cancels sent, ${exit.workingAtExit.length} left${exit.timedOut ? ', bound reached' : ''})` : ''}\n`);
    process.stdout.write(`run: ${result.marketRecords} market records, ${result.commandsSent} commands sent${result.ordersRejected > 0 ? ` (${result.ordersRejected} orders rejected)` : ''}, ${result.timers ?? 0} timers, ${result.reconnects} reconnects; equity ${book.equity.toFixed(2)}, positions ${book.positions.map((p) => `${p.instrument}:${p.position}`).join(' ')}${behind(result)}\n`);
    process.stdout.write(`${JSON.stringify({
      mode, journal: journalDir, marketRecords: result.marketRecords, commandsSent: result.commandsSent, ordersRejected: result.ordersRejected, timers: result.timers ?? 0, reconnects: result.reconnects,
      recoveredFromInboundSeq: result.recoveredFromInboundSeq.toString(), replayedRecords: result.replayedRecords, reconciliation: result.reconciliation.lines,
      book, exit: exit ?? null, decisionsHash: result.decisionsHash, feedHealthRecords: result.feedHealthRecords ?? 0, inboundWaits: result.inboundWaits,
      ...(result.shadowPaper ? { shadowPaper: result.shadowPaper } : {}),
      ...(result.model ? { model: result.model } : {}),
    }, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))}\n`);
  }
}

/** Takes the journal for this process (engine/live holdJournal), or refuses the start naming the running session that holds it. */
function holdRunJournal(journalDir: string): void {
  try {
    holdJournal(journalDir);
  } catch (error) {
    if (error instanceof SessionControlRefused) throw new UserFacingError(`run: ${error.message}`);
    throw error;
  }
}

interface ServedRunModel {
  /** The spec, with the model wait on the instruments that get the ML expert. */
  readonly spec: PipelineSpec;
  /** The session's model (serving, or absent with the reason); undefined without config `model`. */
  readonly model?: LiveSessionModel;
  /** The log line saying the model served (source, folds) or why not (null without config `model`). */
  readonly line: string | null;
}

/**
 * Opens config `model` and adds its wait to the spec's fusion instruments (those in
 * `model.instruments` when given), as paper does; a model that cannot serve, or that no instrument
 * would wait for, leaves the session trading without the ML expert, with the reason.
 */
async function serveModel(config: QuantFlowConfig, symbols: readonly string[], spec: PipelineSpec): Promise<ServedRunModel> {
  const modelConfig = config.model;
  if (modelConfig === null || modelConfig === undefined) return { spec, line: null };
  const opened = await openConfiguredModel(modelConfig, config.fusion.ml.horizonBars);
  const base = { source: opened.source, symbols, monitor: modelConfig.monitor };
  if (opened.state === 'absent') {
    return { spec, model: { ...base, model: null, reason: opened.reason }, line: `run: model ${opened.source} absent, trading without the ML expert: ${opened.reason}` };
  }
  const wanted = modelConfig.instruments;
  const waiting = new Set(spec.decision
    ? spec.instruments.filter((e) => e.regimeModel !== undefined && e.rules === undefined && (wanted?.includes(symbols[e.instrument]) ?? true)).map((e) => e.instrument)
    : []);
  if (waiting.size === 0) {
    await opened.model.release();
    const reason = `no instrument gets the ML expert: it serves fusion strategies${wanted ? ` on ${wanted.join(', ')}` : ''}, and the session's fusion instruments are none of ${symbols.join(', ')}`;
    return { spec, model: { ...base, model: null, reason }, line: `run: model ${opened.source} absent, trading without the ML expert: ${reason}` };
  }
  const wait = { features: opened.model.metadata.features, waitNs: BigInt(Math.round(modelConfig.waitMs * 1e6)) };
  const served = { ...spec, instruments: spec.instruments.map((e) => (waiting.has(e.instrument) ? { ...e, model: wait } : e)) };
  const names = [...waiting].map((id) => symbols[id]).join(', ');
  return {
    spec: served, model: { ...base, model: opened.model },
    line: `run: model ${opened.source} serving (${opened.model.metadata.name}, ${opened.model.metadata.folds.length} folds, waits ${modelConfig.waitMs} ms) to ${names}`,
  };
}

function loadRunConfig(file: string): QuantFlowConfig {
  try {
    return loadConfig({ configFile: file, env: process.env });
  } catch (error) {
    if (error instanceof ConfigError) throw new UserFacingError(error.message);
    throw error;
  }
}

interface Credentials { apiKey: string; secret: string }

/** Names where the credentials come from, never their values. */
function describeCredentialsSource(source: CredentialsSource | null, mode: string, adapter: string): string {
  if (!source) return mode === 'live' && adapter === 'ib' ? 'none (TWS authenticates its own user)' : 'none (paper: market data only)';
  return source.kind === 'env' ? `from environment variables ${source.keyVar} and ${source.secretVar}` : `from file ${source.path}`;
}

/** The credentials of a live session: from the environment or from a file outside the repository. */
export function readCredentials(source: CredentialsSource | null, repoRoot: string, env: NodeJS.ProcessEnv = process.env): Credentials {
  if (!source) throw new UserFacingError('`live.credentials` must name where the API key and secret come from (env:KEY_VAR/SECRET_VAR or file:/absolute/path.json outside the repository), was absent');
  if (source.kind === 'env') {
    const apiKey = env[source.keyVar];
    const secret = env[source.secretVar];
    if (!apiKey || !secret) {
      throw new UserFacingError(`\`live.credentials\`: environment variables ${source.keyVar} and ${source.secretVar} must both be set, ${[!apiKey ? source.keyVar : null, !secret ? source.secretVar : null].filter(Boolean).join(' and ')} ${!apiKey && !secret ? 'are' : 'is'} not`);
    }
    return { apiKey, secret };
  }
  const file = path.resolve(source.path);
  let real: string;
  try {
    real = realpathSync(file);
  } catch {
    throw new UserFacingError(`\`live.credentials\`: file ${file} must exist and be readable, was not found`);
  }
  const root = realpathSync(repoRoot);
  const rel = path.relative(root, real);
  if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) {
    throw new UserFacingError(`\`live.credentials\`: file ${file} must lie outside the repository (${root}), so it is never committed; move it, e.g. to ~/.config/quantflow/`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(real, 'utf8'));
  } catch {
    throw new UserFacingError(`\`live.credentials\`: file ${file} must be JSON {"apiKey": "...", "secret": "..."}, was not valid JSON`);
  }
  const o = parsed as Record<string, unknown>;
  if (typeof o?.apiKey !== 'string' || typeof o?.secret !== 'string' || o.apiKey === '' || o.secret === '') {
    throw new UserFacingError(`\`live.credentials\`: file ${file} must hold non-empty string fields apiKey and secret`);
  }
  return { apiKey: o.apiKey, secret: o.secret };
}

/**
 * The session's venue adapter. Each venue's package loads only when its venue is configured
 * (ccxt alone takes ~0.5 s to import here, @stoqey/ib ~0.1 s).
 */
async function createAdapter(live: LiveConfig, mode: 'live' | 'paper', credentials: Credentials | null, log: (line: string) => void, journalDir: string, orderIds: OrderIdRange | undefined): Promise<PushVenueAdapter> {
  const instruments = live.instruments.map((i) => ({ instrument: i.instrument, symbol: i.symbol }));
  if (live.adapter === 'ib') {
    const { IbVenueAdapter, executionFilterTime } = await import('../../../adapters/ib/index.js');
    const ib = live.ib!;
    // A restart asks TWS for the executions since the last journaled one, and emits only those the journal lacks.
    const fills = mode === 'live' ? journaledFills(journalDir) : undefined;
    const journaled: IbJournaledExecutions | undefined = fills && fills.lastFillId > 0n
      ? { lastTime: executionFilterTime(fills.lastFillNs), execIds: [], lastFillId: fills.lastFillId, filledByOrder: fills.filledByOrder }
      : undefined;
    return new IbVenueAdapter({ host: ib.host, port: ib.port, clientId: ib.clientId, instruments }, { log, ...(journaled ? { journaled } : {}), ...(orderIds ? { orderIds } : {}) });
  }
  // A restart numbers new fills above the journal's last fill id (Coinbase's trade ids are strings) and skips the fills it holds.
  const journaled = mode === 'live' ? journaledFills(journalDir) : undefined;
  const { CcxtVenueAdapter } = await import('../../../adapters/ccxt/index.js');
  try {
    return new CcxtVenueAdapter({
      exchange: live.exchange, instruments, credentials: credentials ?? { apiKey: '', secret: '' }, marketOnly: mode === 'paper',
      ...(live.baseUrl ? { baseUrl: live.baseUrl } : {}), reconnect: { initialMs: 250, maxMs: 30_000 }, log,
    }, { ...(journaled ? { journaled } : {}), ...(orderIds ? { orderIds } : {}) });
  } catch (error) {
    throw new UserFacingError(`\`live\`: ${(error as Error).message}`);
  }
}

/** What the journal holds of the venue's fills (engine/live JournaledFills); undefined: no fill or order journaled yet. */
function journaledFills(dir: string): JournaledFills | undefined {
  const journal = Journal.open(dir, { durability: { mode: 'async' } });
  try {
    return readJournaledFills(journal);
  } finally {
    journal.close();
  }
}

/** The order ids of the journal whose first session started with `spec` (its first order id names the range). */
function journaledOrderIds(dir: string, spec: PipelineSpec): OrderIdRange {
  const first = spec.execution?.orders.firstOrderId ?? 1n;
  try {
    return new OrderIdRange(first);
  } catch (error) {
    throw new UserFacingError(`journal ${dir}: its first session's pipeline holds execution.orders.firstOrderId ${first}: ${(error as Error).message}; is this journal from this version of QuantFlow?`);
  }
}

/**
 * The mode and pipeline the journal's first session started with (null: a new journal), and
 * whether the journal was made by a version that keeps its instrument list from the start (its
 * records are checksummed from sequence 1: journal format 2, which came after the lists).
 */
function firstJournaledSession(dir: string): { mode: string; pipelineJson: string; listKept: boolean } | null {
  const journal = Journal.open(dir, { durability: { mode: 'async' } });
  try {
    const listKept = journal.checksumsFromSequence() === 1n;
    for (const { entry } of journal.read(1n)) if (entry.type === 'sessionStarted') return { mode: entry.mode, pipelineJson: entry.pipelineJson, listKept };
    return null;
  } finally {
    journal.close();
  }
}

/** The summary's note when the engine fell behind the venue during the session (nothing when it never did). */
function behind(result: LiveSessionResult): string {
  const { stretches, mostWaiting } = result.inboundWaits;
  return stretches === 0 ? '' : `; the engine fell behind ${stretches} time(s): at most ${mostWaiting} venue records (journaled) waited for room on the inbound ring`;
}
