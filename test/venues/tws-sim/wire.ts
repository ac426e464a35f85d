// TWS API wire framing, server side, as @stoqey/ib 1.6.10 speaks it in V100+ mode:
//
//   client hello:  "API\0" | u32 BE length | "v100..193"
//   server hello:  u32 BE length | "<serverVersion>\0<connection time>\0"
//   every message: u32 BE length | field \0 field \0 ... field \0
//
//   +--------------+-----------------------------------------------+
//   | length (4 B) | length bytes: NUL-terminated UTF-8 fields     |
//   +--------------+-----------------------------------------------+
//
// FrameReader accumulates socket chunks and yields whole messages as field arrays; encodeMessage
// is its inverse for the server's messages.

export const HELLO_PREFIX = 'API\0';

export type Field = string | number | boolean | undefined | null;

/** One server message: length prefix, then each field followed by NUL (booleans as 0/1, empty for undefined/null). */
export function encodeMessage(fields: readonly Field[]): Buffer {
  const text = fields.map((f) => (f === undefined || f === null ? '' : typeof f === 'boolean' ? (f ? '1' : '0') : String(f))).join('\0') + '\0';
  const body = Buffer.from(text, 'utf8');
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length, 0);
  return Buffer.concat([head, body]);
}

/** Splits a message body into its fields (the trailing NUL ends the last field). */
export function splitFields(body: Buffer): string[] {
  const parts = body.toString('utf8').split('\0');
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** Incremental reader of the client's byte stream: the hello first, then length-prefixed messages. */
export class FrameReader {
  private buffer: Buffer = Buffer.alloc(0);
  private helloSeen = false;

  /** Appends a chunk; returns the hello's version range (once) and whole messages in order. */
  push(chunk: Buffer): { hello: string | null; messages: string[][] } {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    let hello: string | null = null;
    const messages: string[][] = [];
    if (!this.helloSeen) {
      if (this.buffer.length < HELLO_PREFIX.length + 4) return { hello, messages };
      const prefix = this.buffer.subarray(0, HELLO_PREFIX.length).toString('latin1');
      if (prefix !== HELLO_PREFIX) throw new Error(`TWS sim: the client hello must start with "API\\0", was ${JSON.stringify(prefix)}`);
      const length = this.buffer.readUInt32BE(HELLO_PREFIX.length);
      const end = HELLO_PREFIX.length + 4 + length;
      if (this.buffer.length < end) return { hello, messages };
      hello = this.buffer.subarray(HELLO_PREFIX.length + 4, end).toString('utf8');
      this.buffer = this.buffer.subarray(end);
      this.helloSeen = true;
    }
    while (this.buffer.length >= 4) {
      const length = this.buffer.readUInt32BE(0);
      if (this.buffer.length < 4 + length) break;
      messages.push(splitFields(this.buffer.subarray(4, 4 + length)));
      this.buffer = this.buffer.subarray(4 + length);
    }
    return { hello, messages };
  }
}
