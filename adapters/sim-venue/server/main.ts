// Entry point of the sim-venue server process (flags: server-config.ts). Loads the market
// tape, opens (or restores) the venue state, listens on 127.0.0.1 and prints one line on
// stdout when ready: {"listening":PORT,"pid":PID}. Logs go to stderr. SIGTERM or SIGINT
// closes it cleanly (exit 0); a bad command line exits 2; a fatal venue or disk failure
// exits 1 (a restart with the same --state rebuilds the venue from its state).
import { loadMarketTape } from './market-tape.js';
import { parseServerArgs, ServerConfigError } from './server-config.js';
import { SimVenueServer } from './sim-venue-server.js';
import { VenueSession } from './venue-session.js';

async function main(): Promise<void> {
  let config;
  try {
    config = parseServerArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof ServerConfigError) {
      process.stderr.write(`sim-venue: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const tape = await loadMarketTape(config.barFiles, config.instrumentNames);
  const session = VenueSession.open(tape, { makerFee: config.makerFee, takerFee: config.takerFee }, config.statePath);
  const server = await SimVenueServer.start(session, config.port, config.faults, (error) => {
    process.stderr.write(`sim-venue: fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`sim-venue: close failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stderr.write(`sim-venue: ${tape.bars.length} market records of ${tape.instrumentNames.join(', ')}; state ${config.statePath}\n`);
  process.stdout.write(`${JSON.stringify({ listening: server.port, pid: process.pid })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`sim-venue: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
