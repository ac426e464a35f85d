// Turns the core's negative status codes (wasm/assembly/errors.ts) into errors, in one place.

const MESSAGES: Record<number, string> = {
  [-1]: 'core static data reaches past CORE_STATIC_LIMIT: raise the limit in both layout files',
  [-2]: 'ring header magic missing: the ring was not initialised before use',
  [-3]: 'ring capacity must be a power of two below 2^25 slots',
  [-4]: 'outbound ring full: the I/O thread is not draining it',
  [-5]: 'inbound record has no known kind bit',
  [-6]: 'argument outside its documented range',
};

export class CoreStatusError extends Error {
  constructor(readonly status: number, readonly operation: string) {
    super(`WASM core ${operation} failed with status ${status}: ${MESSAGES[status] ?? 'unknown status'}`);
    this.name = 'CoreStatusError';
  }
}

/** Returns `result` when it is a count (>= 0); throws CoreStatusError for a negative status. */
export function checkCoreStatus(result: number, operation: string): number {
  if (result < 0) throw new CoreStatusError(result, operation);
  return result;
}
