// The errors of the sim-venue client adapter. Each says what happened in words a test log
// can be read by; the ones about bad data carry the field, the value and the rule.
import type { WireFormatError } from './common/index.js';

/** A bad option or request argument, caught before anything is sent. */
export class SimVenueArgumentError extends RangeError {
  constructor(
    readonly field: string,
    value: unknown,
    readonly rule: string,
  ) {
    super(`\`${field}\` ${rule}, was ${typeof value === 'bigint' ? `${value}n` : typeof value === 'string' ? JSON.stringify(value) : String(value)}`);
    this.name = 'SimVenueArgumentError';
  }
}

/** The venue could not be reached (refused, timed out, or it did not answer the handshake). */
export class SimVenueConnectError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SimVenueConnectError';
  }
}

/** The connection is gone (dropped, closed, never opened): what pending requests reject with. */
export class SimVenueDisconnectedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SimVenueDisconnectedError';
  }
}

/**
 * The server sent something the protocol does not allow (a malformed frame, a record that
 * fails its checks, a reply out of order). The client drops the connection on it: the
 * stream can no longer be trusted, and the session reconnects and reconciles.
 */
export class SimVenueProtocolError extends Error {
  readonly field: string;
  readonly value: string;
  readonly rule: string;

  constructor(context: string, cause: WireFormatError) {
    super(`sim-venue sent ${context} that breaks the protocol: ${cause.message}`, { cause });
    this.name = 'SimVenueProtocolError';
    this.field = cause.field;
    this.value = cause.value;
    this.rule = cause.rule;
  }
}

/** The server refused a request (its error reply names the field, the value and the rule). */
export class SimVenueRequestError extends Error {
  constructor(
    readonly op: string,
    readonly field: string,
    readonly value: string,
    readonly rule: string,
    message: string,
  ) {
    super(`sim-venue refused ${op}: ${message}`);
    this.name = 'SimVenueRequestError';
  }
}
