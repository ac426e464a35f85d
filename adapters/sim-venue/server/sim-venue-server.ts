// The server's I/O: a TCP listener on 127.0.0.1, the frames of each connection (layout in
// common/protocol.ts), one queue of requests across all connections handled strictly in
// arrival order by the VenueSession, and the test faults. Everything the session returns for
// a request (its records, then the response) is written before the next request is handled;
// a request whose connection is gone is still handled (its replies are lost, as on a real
// venue), so the state never depends on the network.
//
// Bad input never ends a connection: a frame that is not JSON, not a known request or breaks
// a field's rule gets an error reply naming the field, the value and the rule; a zero length
// is skipped; an oversize length gets an error reply and its bytes are skipped, so the stream
// stays in step. Only an unexpected failure of the session itself (the venue core, the disk)
// is fatal: onFatal is called, since the venue's memory may then be ahead of its state.
import { createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  decodeJsonBody, encodeFrame, encodeJsonFrame, encodeRecordFrame, FRAME_JSON, FRAME_RECORD, frameReadError, MAX_REQUEST_FRAME_BYTES,
  MAX_SERVER_FRAME_BYTES, readFrame, RECORD_BYTES, WireFormatError, type MalformedFrameKind, type WireResponse,
} from '../common/index.js';
import { parseRequest, requestIdOf, type Request } from './parse-request.js';
import type { ServerFaults } from './server-config.js';
import { LIVE_INBOUND } from './venue-driver.js';
import type { VenueSession } from './venue-session.js';

export const LISTEN_HOST = '127.0.0.1';

interface Connection {
  readonly socket: Socket;
  inbox: Buffer;
  /** Bytes of an oversize frame still to skip. */
  skip: number;
  /** Frames left before the server drops the connection (null: no such fault). */
  dropAfter: number | null;
  delayMs: number;
  open: boolean;
}

type Item = { readonly conn: Connection; readonly type: number; readonly body: Uint8Array } | { readonly conn: Connection; readonly error: WireFormatError };

interface Handled {
  readonly frames: Buffer[];
  /** Applied once the frames are out (a fault counts frames from after its own response). */
  readonly after?: () => void;
}

function errorFrame(id: number | null, error: WireFormatError): Buffer {
  const response: WireResponse = { id, ok: false, error: { field: error.field, value: error.value, rule: error.rule, message: error.message } };
  return encodeJsonFrame(response);
}

function okFrame(id: number, result: unknown): Buffer {
  const response: WireResponse = { id, ok: true, result };
  const frame = encodeJsonFrame(response);
  if (frame.length - 4 > MAX_SERVER_FRAME_BYTES) throw new Error(`a response of ${frame.length - 4} bytes exceeds the ${MAX_SERVER_FRAME_BYTES}-byte frame limit`);
  return frame;
}

/** The malformed frame a `fault` request asks for. */
export function malformedFrame(kind: MalformedFrameKind): Buffer {
  switch (kind) {
    case 'bad-kind': {
      const record = Buffer.alloc(RECORD_BYTES);
      record.writeInt32LE((1 << 28) | LIVE_INBOUND, 0);
      return encodeRecordFrame(0n, record);
    }
    case 'short-record':
      return encodeFrame(FRAME_RECORD, Buffer.alloc(40));
    case 'bad-json':
      return encodeFrame(FRAME_JSON, Buffer.from('{"id": 1, "ok": tru', 'utf8'));
    case 'unknown-type':
      return encodeFrame(9, Buffer.from([1, 2, 3]));
    case 'oversize-length': {
      const header = Buffer.alloc(4);
      header.writeUInt32LE(0xffff_fff0, 0);
      return header;
    }
  }
}

export class SimVenueServer {
  private readonly connections = new Set<Connection>();
  private readonly queue: Item[] = [];
  private running = false;
  private closed = false;

  private constructor(
    private readonly server: Server,
    private readonly session: VenueSession,
    private readonly faults: ServerFaults,
    private readonly onFatal: (error: unknown) => void,
  ) {
    server.on('connection', (socket) => this.accept(socket));
  }

  /** Listens on 127.0.0.1:`port` (0: any free port). */
  static async start(session: VenueSession, port: number, faults: ServerFaults, onFatal: (error: unknown) => void): Promise<SimVenueServer> {
    const server = createServer({ noDelay: true });
    const venue = new SimVenueServer(server, session, faults, onFatal);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, LISTEN_HOST, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return venue;
  }

  get port(): number {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('sim-venue server is not listening on a TCP port');
    return address.port;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const conn of this.connections) conn.socket.destroy();
    await stopped;
    while (this.running) await sleep(5);
    await this.session.close();
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    const conn: Connection = { socket, inbox: Buffer.alloc(0), skip: 0, dropAfter: this.faults.dropAfterMessages ?? null, delayMs: this.faults.delayMs ?? 0, open: true };
    this.connections.add(conn);
    socket.on('data', (chunk: Buffer) => this.receive(conn, chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      conn.open = false;
      this.connections.delete(conn);
    });
  }

  private receive(conn: Connection, chunk: Buffer): void {
    if (!conn.open || this.closed) return;
    let bytes = chunk;
    if (conn.skip > 0) {
      const skipped = Math.min(conn.skip, bytes.length);
      conn.skip -= skipped;
      bytes = bytes.subarray(skipped);
    }
    conn.inbox = conn.inbox.length === 0 ? bytes : Buffer.concat([conn.inbox, bytes]);
    let offset = 0;
    for (;;) {
      const read = readFrame(conn.inbox, offset, MAX_REQUEST_FRAME_BYTES);
      if (read === null) break;
      if (read.kind === 'frame') {
        this.enqueue({ conn, type: read.type, body: Uint8Array.prototype.slice.call(read.body) });
        offset = read.next;
        continue;
      }
      this.enqueue({ conn, error: frameReadError(read, MAX_REQUEST_FRAME_BYTES) });
      offset = read.next;
      if (read.kind === 'oversize') {
        const skipped = Math.min(read.length, conn.inbox.length - offset);
        offset += skipped;
        conn.skip = read.length - skipped;
        if (conn.skip > 0) break;
      }
    }
    conn.inbox = offset >= conn.inbox.length ? Buffer.alloc(0) : conn.inbox.subarray(offset);
  }

  private enqueue(item: Item): void {
    this.queue.push(item);
    if (!this.running) void this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      for (let item = this.queue.shift(); item !== undefined; item = this.queue.shift()) {
        const handled = this.handle(item);
        if (item.conn.delayMs > 0) await sleep(item.conn.delayMs);
        this.deliver(item.conn, handled.frames);
        handled.after?.();
      }
    } catch (error) {
      this.queue.length = 0;
      this.onFatal(error);
    } finally {
      this.running = false;
    }
  }

  /** What to send for `item` (the session's state is committed by then). */
  private handle(item: Item): Handled {
    if ('error' in item) return { frames: [errorFrame(null, item.error)] };
    if (item.type !== FRAME_JSON) {
      return { frames: [errorFrame(null, new WireFormatError('type', item.type, `of a client frame must be ${FRAME_JSON} (JSON): clients send JSON requests only`))] };
    }
    let value: unknown;
    let request: Request;
    try {
      value = decodeJsonBody(item.body);
      request = parseRequest(value);
    } catch (error) {
      if (error instanceof WireFormatError) return { frames: [errorFrame(requestIdOf(value), error)] };
      throw error;
    }
    if (request.op === 'fault') {
      const { conn } = item;
      const frames = request.malformedFrame === undefined ? [] : [malformedFrame(request.malformedFrame)];
      frames.push(okFrame(request.id, null));
      return {
        frames,
        after: () => {
          if (request.dropAfterMessages !== undefined) conn.dropAfter = request.dropAfterMessages;
          if (request.delayMs !== undefined) conn.delayMs = request.delayMs;
        },
      };
    }
    try {
      const output = this.session.handle(request);
      const frames = output.records.map((r) => encodeRecordFrame(r.seq, r.bytes));
      frames.push(okFrame(request.id, output.result));
      return { frames };
    } catch (error) {
      if (error instanceof WireFormatError) return { frames: [errorFrame(request.id, error)] };
      throw error;
    }
  }

  private deliver(conn: Connection, frames: Buffer[]): void {
    if (!conn.open) return;
    let send = frames;
    if (conn.dropAfter !== null) {
      send = frames.slice(0, conn.dropAfter);
      conn.dropAfter -= send.length;
    }
    if (send.length > 0) conn.socket.write(send.length === 1 ? send[0] : Buffer.concat(send));
    if (conn.dropAfter === 0) {
      conn.open = false;
      conn.socket.end();
      setTimeout(() => conn.socket.destroy(), 1000).unref();
    }
  }
}
