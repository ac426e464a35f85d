// The server's command line, checked: every message names the flag, the value and the rule.
//
//   node dist/adapters/sim-venue/server/main.js --state DIR --bars FILE[,FILE...]
//     [--port N] [--instrument-names NAME[,NAME...]] [--maker-fee F] [--taker-fee F]
//     [--drop-after-messages N] [--delay-ms N]
//
//   --port                 TCP port on 127.0.0.1 (default 0: any free port; the ready line says which)
//   --state                LMDB directory of the server's state (created when missing)
//   --bars                 CSV bar files, one instrument each (ids 0..n-1 in this order)
//   --instrument-names     names for the instruments (default: the symbol in each file name)
//   --maker-fee/--taker-fee fractions of the notional in [-0.1, 0.1] (default 0)
//   --drop-after-messages  test fault for every connection: close it after this many frames
//   --delay-ms             test fault for every connection: hold each reply batch this long
import { parseArgs } from 'node:util';

export interface ServerFaults {
  readonly dropAfterMessages?: number;
  readonly delayMs?: number;
}

export interface SimVenueServerConfig {
  readonly port: number;
  readonly statePath: string;
  readonly barFiles: readonly string[];
  readonly instrumentNames?: readonly string[];
  readonly makerFee: number;
  readonly takerFee: number;
  readonly faults: ServerFaults;
}

export class ServerConfigError extends Error {
  constructor(flag: string, value: unknown, rule: string) {
    super(`\`--${flag}\` ${rule}, was ${value === undefined ? 'missing' : JSON.stringify(value)}`);
    this.name = 'ServerConfigError';
  }
}

function integer(flag: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ServerConfigError(flag, text, `must be an integer in [${min}, ${max}]`);
  }
  return value;
}

function fee(flag: string, text: string | undefined): number {
  if (text === undefined) return 0;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < -0.1 || value > 0.1) throw new ServerConfigError(flag, text, 'must be a number in [-0.1, 0.1]');
  return value;
}

function list(flag: string, text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const items = text.split(',').map((item) => item.trim());
  if (items.some((item) => item === '')) throw new ServerConfigError(flag, text, 'must be a comma-separated list with no empty item');
  return items;
}

/** The config in `argv` (the arguments after the script). */
export function parseServerArgs(argv: readonly string[]): SimVenueServerConfig {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        state: { type: 'string' },
        bars: { type: 'string' },
        'instrument-names': { type: 'string' },
        'maker-fee': { type: 'string' },
        'taker-fee': { type: 'string' },
        'drop-after-messages': { type: 'string' },
        'delay-ms': { type: 'string' },
      },
    }) as { values: Record<string, string | undefined> });
  } catch (error) {
    throw new ServerConfigError('arguments', argv.join(' '), `must be the documented flags, each with a value (${(error as Error).message})`);
  }
  const statePath = values.state;
  if (statePath === undefined || statePath.trim() === '') throw new ServerConfigError('state', statePath, 'must name the directory of the server state');
  const barFiles = list('bars', values.bars);
  if (barFiles === undefined) throw new ServerConfigError('bars', undefined, 'must name at least one CSV bar file');
  const instrumentNames = list('instrument-names', values['instrument-names']);
  if (instrumentNames !== undefined && instrumentNames.length !== barFiles.length) {
    throw new ServerConfigError('instrument-names', values['instrument-names'], `must name every bar file (${barFiles.length} files)`);
  }
  if (instrumentNames !== undefined && new Set(instrumentNames).size !== instrumentNames.length) {
    throw new ServerConfigError('instrument-names', values['instrument-names'], 'must not repeat a name');
  }
  const faults: { dropAfterMessages?: number; delayMs?: number } = {};
  const drop = integer('drop-after-messages', values['drop-after-messages'], 0, 0x7fff_ffff);
  if (drop !== undefined) faults.dropAfterMessages = drop;
  const delay = integer('delay-ms', values['delay-ms'], 0, 60_000);
  if (delay !== undefined) faults.delayMs = delay;
  return {
    port: integer('port', values.port, 0, 65_535) ?? 0,
    statePath,
    barFiles,
    instrumentNames,
    makerFee: fee('maker-fee', values['maker-fee']),
    takerFee: fee('taker-fee', values['taker-fee']),
    faults,
  };
}
