// Options of the sim-venue client adapter, checked: each message names the field, the value
// and the rule. The server listens on 127.0.0.1 only, so the host must be that address.
import { SimVenueArgumentError } from './errors.js';

export interface SimVenueAdapterOptions {
  /** '127.0.0.1' (the server binds nothing else). */
  readonly host: string;
  readonly port: number;
  /** Bound on connecting and the handshake, ms (default 5000). */
  readonly connectTimeoutMs?: number;
  /** The adapter's name (default 'sim-venue'). */
  readonly name?: string;
}

export interface ResolvedSimVenueAdapterOptions {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly connectTimeoutMs: number;
  readonly name: string;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
const MAX_CONNECT_TIMEOUT_MS = 600_000;

export function checkSimVenueAdapterOptions(options: SimVenueAdapterOptions): ResolvedSimVenueAdapterOptions {
  if (typeof options !== 'object' || options === null) throw new SimVenueArgumentError('options', options, 'must be an object { host, port, connectTimeoutMs? }');
  if (options.host !== '127.0.0.1') throw new SimVenueArgumentError('host', options.host, "must be '127.0.0.1' (the sim venue listens on loopback only)");
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65_535) throw new SimVenueArgumentError('port', options.port, 'must be an integer in [1, 65535]');
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  if (!Number.isInteger(connectTimeoutMs) || connectTimeoutMs < 1 || connectTimeoutMs > MAX_CONNECT_TIMEOUT_MS) {
    throw new SimVenueArgumentError('connectTimeoutMs', connectTimeoutMs, `must be an integer in [1, ${MAX_CONNECT_TIMEOUT_MS}]`);
  }
  const name = options.name ?? 'sim-venue';
  if (typeof name !== 'string' || name.length === 0) throw new SimVenueArgumentError('name', name, 'must be a non-empty string');
  return { host: '127.0.0.1', port: options.port, connectTimeoutMs, name };
}
