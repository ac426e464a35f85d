// `quantflow watch TOPIC`: prints a state server's live stream of one topic (state, orders,
// fills, signals, regime, risk, latency, health) through the client library: the Snapshot, then
// each delta, one line each (`--json`: one JSON document per line, 64-bit integers as strings); an
// order with the prices it was placed at and its average fill price.
// A fill names its instrument's symbol (learnt from the state topic, which watching fills also
// follows quietly; `#id` until known) and the rule of its order when it is an exit (a stop-loss).
// A reconnect whose fills backfill is partial says so on stderr: some fills may be missing; so does
// a topic nothing was published on yet (a session without a model has no models topic).
// It reconnects when the server drops it (fills resume from the last sequence seen) and runs
// until interrupted; a server that cannot be reached at the start is an error. It gives up, with
// one line on stderr and status 1, when no connection comes back for --give-up-after seconds
// (default 60), and at once, with status 2, when the address stops being a QuantFlow state server
// (the client's permanent failures). When its output is closed (`quantflow watch fills | head -5`)
// it stops watching and exits with status 0. Lines round prices and fees (readableAmount) and
// read risk and health as words; `--json` prints every update exact.
import { Command } from 'commander';
import { UserFacingError } from '../cli-error.js';
import { TOPIC_NAMES, connect, isTopicName, type ClientEvent, type ConnectionError, type TopicUpdate } from '../../client/index.js';

export const DEFAULT_WATCH_URL = 'ws://127.0.0.1:8787/';

/** How long `watch` keeps reconnecting without a connection before it gives up, seconds. */
export const DEFAULT_WATCH_GIVE_UP_SECONDS = 60;

function json(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/**
 * A quantity, price or fee as a person reads it: 12 significant digits, so the binary rounding
 * of a sum of fills (0.1 + 0.20188 is 0.30188000000000004 in f64) does not print as its digits.
 * No lot or tick a venue uses needs more.
 */
export function readableNumber(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(12))) : String(value);
}

/**
 * A price or fee as a person reads it: 7 significant digits, never fewer than 2 decimals
 * (57134.1234567 reads 57134.12, a fee 20.004301722 reads 20.0043, 0.000012345678 reads
 * 0.00001234568), trailing zeros dropped. `--json` keeps the exact value.
 */
export function readableAmount(value: number): string {
  if (!Number.isFinite(value) || value === 0) return String(value);
  const decimals = Math.min(100, Math.max(2, 6 - Math.floor(Math.log10(Math.abs(value)))));
  return String(Number(value.toFixed(decimals)));
}

const percent = (fraction: number): string => `${(fraction * 100).toFixed(2)}%`;

/** One human line per update; `symbols`: instrument id to symbol (fills carry only the id). */
export function describeUpdate(update: TopicUpdate, symbols: ReadonlyMap<number, string> = new Map()): string {
  const head = `${update.topic} #${update.sequence} ${update.kind}`;
  const p = update.payload as unknown as Record<string, unknown>;
  switch (update.topic) {
    case 'state': {
      const s = update.payload as TopicUpdate<'state'>['payload'];
      const positions = s.positions.filter((q) => q.quantity !== 0).map((q) => `${q.symbol} ${readableNumber(q.quantity)} @ ${readableAmount(q.markPrice)}`).join(', ') || 'flat';
      return `${head}: ${s.mode} equity ${s.equity.toFixed(2)} cash ${s.cash.toFixed(2)} realized ${s.realizedPnl.toFixed(2)} unrealized ${s.unrealizedPnl.toFixed(2)}; ${positions}`;
    }
    case 'fills': {
      const fills = (update.payload as TopicUpdate<'fills'>['payload']).fills;
      if (fills.length === 0) return `${head}: no fills`;
      return fills.map((f) => {
        const exit = f.rule && f.rule !== 'STRATEGY' ? `, ${f.rule}` : '';
        return `${head}: order ${f.orderId} ${symbols.get(f.instrumentId) ?? `#${f.instrumentId}`} ${f.side} ${readableNumber(f.quantity)} @ ${readableAmount(f.price)} fee ${readableAmount(f.fee)} (${f.liquidity}, trade ${f.tradeId}${exit})`;
      }).join('\n');
    }
    case 'orders': {
      const orders = (update.payload as TopicUpdate<'orders'>['payload']).orders;
      if (orders.length === 0) return `${head}: no orders`;
      // Its prices too: the limit and stop it was placed at, the average of its fills so far, and the rule of an exit.
      return orders.map((o) => {
        const placed = `${o.orderType}${o.limitPrice !== null ? ` limit ${readableAmount(o.limitPrice)}` : ''}${o.stopPrice !== null ? ` stop ${readableAmount(o.stopPrice)}` : ''}`;
        const filled = `filled ${readableNumber(o.filledQuantity)}${o.averageFillPrice !== null ? ` @ ${readableAmount(o.averageFillPrice)}` : ''}`;
        const rule = o.rule && o.rule !== 'STRATEGY' ? ` (${o.rule})` : '';
        return `${head}: order ${o.orderId} ${o.symbol} ${o.side} ${readableNumber(o.quantity)} ${placed}${rule}: ${o.status}, ${filled}`;
      }).join('\n');
    }
    case 'risk': {
      const r = update.payload as TopicUpdate<'risk'>['payload'];
      const killSwitch = r.killSwitchTripped ? `kill switch TRIPPED${r.killSwitchReason ? ` (${r.killSwitchReason})` : ''}` : 'kill switch ok';
      const paused = r.pausedStrategies.length > 0 ? `; paused ${r.pausedStrategies.join(', ')}` : '';
      return `${head}: ${killSwitch}; drawdown ${percent(r.drawdown)} (max ${percent(r.maxDrawdown)}); gross exposure ${r.grossExposure.toFixed(2)} of ${r.maxGrossExposure.toFixed(2)}, `
        + `net ${r.netExposure.toFixed(2)}; uncertain orders ${r.uncertainOrders}, denied orders ${r.deniedOrders}${paused}`;
    }
    case 'health': {
      const h = update.payload as TopicUpdate<'health'>['payload'];
      const components = h.components.map((c) => `${c.name} ${c.status}${c.detail ? ` (${c.detail})` : ''}`).join(', ');
      const feeds = h.feeds.length > 0
        ? `; feeds ${h.feeds.map((f) => `${f.symbol || `#${f.instrumentId}`} ${f.conditions.length > 0 ? `${f.conditions.join('+')} (${f.action})` : 'ok'}`).join(', ')}` : '';
      return `${head}: ${h.status}, up ${Math.floor(h.uptimeSeconds)} s, ${h.eventsProcessed} events, rings in ${(h.inboundRingFill * 100).toFixed(1)}% out ${(h.outboundRingFill * 100).toFixed(1)}%`
        + `${components ? `; ${components}` : ''}${feeds}`;
    }
    default:
      return `${head}: ${json(p)}`;
  }
}

function describeEvent(event: ClientEvent): string | null {
  switch (event.type) {
    case 'close': return `connection closed (${event.code}${event.reason ? `: ${event.reason}` : ''})`;
    case 'reconnecting': return `reconnecting (attempt ${event.attempt}, in ${event.delayMs} ms)`;
    case 'open': return event.reconnected ? 'reconnected' : null;
    case 'gap': return `gap on ${event.topic}: expected #${event.expected}, got #${event.received}`;
    case 'subscribed':
      if (event.backfill === 'partial') return `${event.topic}: the server's backlog does not cover the time away (it restarted, or more fills came than it keeps): fills made meanwhile may be missing above`;
      // Said once per subscription, so a topic this session has no data for (no model, no regime model) is not a silent wait.
      return event.snapshot ? null : `${event.topic}: nothing published on this topic yet (the session may have none: no \`model:\` for models, no regime model for regime); waiting for its first update`;
    case 'server-error': return `server error (${event.code}): ${event.message}`;
    case 'decode-error': return `undecodable frame: ${event.message}`;
    default: return null;
  }
}

export function registerWatchCommand(program: Command): void {
  program
    .command('watch')
    .description(`Print the live stream of one topic of a state server (${TOPIC_NAMES.join(', ')})`)
    .argument('<topic>', `one of ${TOPIC_NAMES.join(', ')}`)
    .option('--url <url>', 'the state server WebSocket URL', DEFAULT_WATCH_URL)
    .option('--json', 'one JSON document per update (64-bit integers as strings)')
    .option('--give-up-after <seconds>', 'stop, with status 1, after this long without a connection', String(DEFAULT_WATCH_GIVE_UP_SECONDS))
    .action(async (topic: string, flags: { url: string; json?: boolean; giveUpAfter: string }) => {
      if (!isTopicName(topic)) throw new UserFacingError(`TOPIC must be one of ${TOPIC_NAMES.join(', ')}, was ${JSON.stringify(topic)}`);
      if (!/^wss?:\/\//.test(flags.url) || !URL.canParse(flags.url)) throw new UserFacingError(`--url must be a ws:// or wss:// URL (host and port 1-65535), was ${JSON.stringify(flags.url)}`);
      const giveUpSeconds = Number(flags.giveUpAfter);
      if (flags.giveUpAfter.trim() === '' || !Number.isFinite(giveUpSeconds) || giveUpSeconds <= 0) {
        throw new UserFacingError(`--give-up-after must be a positive number of seconds, was ${JSON.stringify(flags.giveUpAfter)}`);
      }
      await checkReachable(flags.url);
      let client;
      // Set once watch closes the connection itself (interrupted, output closed): its close is no news.
      let leaving = false;
      try {
        client = await connect(flags.url, {
          reconnect: { giveUpAfterMs: giveUpSeconds * 1000 },
          onEvent: (event) => {
            if (leaving && event.type === 'close') return;
            const line = describeEvent(event);
            if (line !== null) process.stderr.write(`quantflow watch: ${line}\n`);
          },
        });
      } catch (error) {
        throw new UserFacingError(`cannot reach the state server at ${flags.url}: ${(error as Error).message}`);
      }
      let outputOpen = true;
      const symbols = new Map<number, string>();
      // Subscribed first, so its Snapshot (every instrument's symbol) comes before the fills'.
      if (topic === 'fills' && !flags.json) {
        client.subscribe('state', (update) => {
          for (const p of update.payload.positions) symbols.set(p.instrumentId, p.symbol);
        });
      }
      client.subscribe(topic, (update) => {
        if (outputOpen) process.stdout.write(`${flags.json ? json(update) : describeUpdate(update, symbols)}\n`);
      });
      const failure = await new Promise<ConnectionError | null>((resolve) => {
        let stopping = false;
        const stop = (): void => {
          if (stopping) return;
          stopping = true;
          leaving = true;
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void client.close().then(() => resolve(null));
        };
        // The client stopped for good: it gave up reconnecting, or the server became something else.
        void client.ended.then((error) => {
          if (stopping) return;
          stopping = true;
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve(error);
        });
        // The reader went away (EPIPE: `| head`): nothing more can be shown, so watching ends; any other output error is reported.
        process.stdout.on('error', (error: NodeJS.ErrnoException) => {
          outputOpen = false;
          if (error.code !== 'EPIPE') {
            process.stderr.write(`quantflow watch: cannot write the output: ${error.message}\n`);
            process.exitCode = 1;
          }
          stop();
        });
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      if (failure) {
        const hint = failure.permanent ? '' : ' (is the session still running? --give-up-after sets how long to wait)';
        throw new UserFacingError(`watch stopped: ${failure.message}${hint}`, failure.permanent ? 2 : 1);
      }
    });
}

/**
 * The server's /health must answer before watching starts: the client would keep reconnecting
 * (up to --give-up-after) to an unreachable address (no session running, a wrong port), so that is an error at once.
 */
async function checkReachable(url: string): Promise<void> {
  const health = new URL('/health', url.replace(/^ws/, 'http'));
  let response: Response;
  try {
    response = await fetch(health, { signal: AbortSignal.timeout(3_000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new UserFacingError(`cannot reach the state server at ${url} (${cause}): start one with \`quantflow paper\` (or npm start), or give its address with --url`);
  }
  // A QuantFlow server answers /health with its JSON report (200 ready, 503 not yet); anything
  // else listening there would only make the client reconnect forever.
  const body = await response.text().catch(() => '');
  let report: unknown;
  try {
    report = JSON.parse(body);
  } catch {
    report = undefined;
  }
  if ((response.status !== 200 && response.status !== 503) || typeof report !== 'object' || report === null || !('ready' in report)) {
    throw new UserFacingError(`${url} is not a QuantFlow state server: ${health} answered HTTP ${response.status}${body ? ` (${JSON.stringify(body.slice(0, 80))})` : ''}, not a health report; give the address \`quantflow paper\` or \`quantflow run\` printed with --url`);
  }
}
