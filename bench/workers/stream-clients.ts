// Stream-bench clients (bench/stream.bench.ts): minimal raw-socket WebSocket clients in a worker
// thread, one event loop for `count` connections. Each client does its own HTTP upgrade over
// node:net, sends one masked text frame `{"op":"subscribe","topic":...}` per topic, and then only
// parses frame headers: a binary frame adds 1 to its frame counter and its payload length to its
// byte counter; its payload is skipped, never copied. Text frames (the server's JSON replies) are
// the only payloads read (rare: one `subscribed` reply per topic); a ping is answered with a pong.
// Nothing is allocated per binary frame: the header is parsed from the chunk in place (or from a
// preallocated 14-byte carry buffer when it straddles two chunks).
//
// Counters live in the SharedArrayBuffer the bench passes (workerData.counters, Float64 pairs per
// client: [frames, bytes]); the bench polls them to pace its publisher and to check delivery.
// A "stalled" client subscribes and then pauses its socket for good: it never reads again, so the
// server's backpressure, coalescing and disconnect paths see a real unread socket.
//
//   main -> worker  workerData { host, port, first, count, stalled, topics, counters, connectTimeoutMs }
//   worker -> main  { type: 'started' } once the worker runs (it then connects, retrying);
//                   { type: 'ready' } once every client got a `subscribed` reply per topic;
//                   { type: 'closed', client, code } when a server closes a connection;
//                   { type: 'error', message } on a failure (names the client and the cause)
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';

interface ClientsData {
  host: string;
  port: number;
  /** Index of this worker's first client in the counters. */
  first: number;
  count: number;
  /** How many of this worker's clients (the last ones) stall after subscribing. */
  stalled: number;
  topics: string[];
  /** Float64Array over it: [frames, bytes] per client, indexed from 0 across all workers. */
  counters: SharedArrayBuffer;
  /** The server may not listen yet: connections are retried until this many ms passed. */
  connectTimeoutMs: number;
}

const data = workerData as ClientsData;
const counters = new Float64Array(data.counters);
const port = parentPort!;

const OP_TEXT = 1;
const OP_BINARY = 2;
const OP_CLOSE = 8;
const OP_PING = 9;

function maskedFrame(opcode: number, payload: Buffer): Buffer {
  // Mask key 0: a valid masked frame whose payload bytes are unchanged.
  const length = payload.length;
  const head = length < 126 ? 6 : 8;
  const frame = Buffer.alloc(head + length);
  frame[0] = 0x80 | opcode;
  if (length < 126) frame[1] = 0x80 | length;
  else {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  }
  payload.copy(frame, head);
  return frame;
}

class RawClient {
  private socket!: Socket;
  private upgraded = false;
  private handshake = '';
  /** Bytes of the current frame's payload still to skip (or read, for text and control frames). */
  private payloadLeft = 0;
  private opcode = 0;
  private readonly carry = new Uint8Array(14);
  private carried = 0;
  private text: Buffer[] | null = null;
  subscribed = 0;

  constructor(readonly index: number, readonly stalls: boolean, private readonly onSubscribed: () => void) {}

  async open(deadline: number): Promise<void> {
    for (;;) {
      try {
        await this.connectOnce();
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`client ${this.index}: cannot connect to ${data.host}:${data.port}: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  }

  private connectOnce(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: data.host, port: data.port, noDelay: true });
      const fail = (error: Error): void => {
        socket.destroy();
        reject(error);
      };
      socket.once('error', fail);
      socket.once('connect', () => {
        socket.off('error', fail);
        this.socket = socket;
        socket.on('error', (error) => port.postMessage({ type: 'error', message: `client ${this.index}: ${error.message}` }));
        socket.on('data', (chunk: Buffer) => this.onData(chunk));
        socket.on('close', () => port.postMessage({ type: 'closed', client: this.index }));
        const key = randomBytes(16).toString('base64');
        socket.write(`GET / HTTP/1.1\r\nHost: ${data.host}:${data.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
        resolve();
      });
    });
  }

  private onData(chunk: Buffer): void {
    let at = 0;
    if (!this.upgraded) {
      this.handshake += chunk.toString('latin1');
      const end = this.handshake.indexOf('\r\n\r\n');
      if (end < 0) return;
      if (!/^HTTP\/1\.1 101/.test(this.handshake)) {
        port.postMessage({ type: 'error', message: `client ${this.index}: upgrade refused: ${this.handshake.split('\r\n')[0]}` });
        this.socket.destroy();
        return;
      }
      // Bytes after the head already belong to frames.
      at = chunk.length - (this.handshake.length - end - 4);
      this.handshake = '';
      this.upgraded = true;
      for (const topic of data.topics) this.socket.write(maskedFrame(OP_TEXT, Buffer.from(JSON.stringify({ op: 'subscribe', topic }))));
    }
    this.frames(chunk, at);
  }

  private frames(chunk: Buffer, from: number): void {
    let at = from;
    const length = chunk.length;
    while (at < length) {
      if (this.payloadLeft > 0) {
        const take = Math.min(this.payloadLeft, length - at);
        if (this.text) this.text.push(chunk.subarray(at, at + take));
        this.payloadLeft -= take;
        at += take;
        if (this.payloadLeft === 0) this.endFrame();
        continue;
      }
      // A header: 2 bytes, +2 or +8 of extended length (server frames are never masked).
      let header: Uint8Array = chunk;
      let h = at;
      if (this.carried > 0 || length - at < 2) {
        header = this.carry;
        h = 0;
        while (this.carried < 2 && at < length) this.carry[this.carried++] = chunk[at++];
        if (this.carried < 2) return;
      }
      const len7 = header[h + 1] & 0x7f;
      const headLength = len7 < 126 ? 2 : len7 === 126 ? 4 : 10;
      if (header === this.carry) {
        while (this.carried < headLength && at < length) this.carry[this.carried++] = chunk[at++];
        if (this.carried < headLength) return;
      } else if (length - at < headLength) {
        while (at < length) this.carry[this.carried++] = chunk[at++];
        return;
      } else {
        at += headLength;
      }
      this.opcode = header[h] & 0x0f;
      let payload = len7;
      if (len7 === 126) payload = (header[h + 2] << 8) | header[h + 3];
      else if (len7 === 127) payload = (header[h + 6] * 2 ** 24) + ((header[h + 7] << 16) | (header[h + 8] << 8) | header[h + 9]);
      this.carried = 0;
      this.payloadLeft = payload;
      if (this.opcode === OP_BINARY) {
        counters[this.index * 2] += 1;
        counters[this.index * 2 + 1] += payload;
        this.text = null;
      } else {
        this.text = [];
      }
      if (payload === 0) this.endFrame();
    }
  }

  private endFrame(): void {
    const text = this.text;
    this.text = null;
    if (!text) return;
    const payload = Buffer.concat(text);
    if (this.opcode === OP_TEXT) {
      const message = JSON.parse(payload.toString('utf8')) as { type?: string };
      if (message.type === 'subscribed' && ++this.subscribed === data.topics.length) {
        if (this.stalls) this.socket.pause();
        this.onSubscribed();
      }
    } else if (this.opcode === OP_PING) {
      this.socket.write(maskedFrame(0xa, payload));
    } else if (this.opcode === OP_CLOSE) {
      port.postMessage({ type: 'closed', client: this.index, code: payload.length >= 2 ? payload.readUInt16BE(0) : 0, reason: payload.subarray(2).toString('utf8') });
    }
  }

  close(): void {
    this.socket?.destroy();
  }
}

async function main(): Promise<void> {
  port.postMessage({ type: 'started' });
  let ready = 0;
  const onSubscribed = (): void => {
    if (++ready === data.count) port.postMessage({ type: 'ready' });
  };
  const clients = Array.from({ length: data.count }, (_, k) => new RawClient(data.first + k, k >= data.count - data.stalled, onSubscribed));
  const deadline = Date.now() + data.connectTimeoutMs;
  await Promise.all(clients.map((client) => client.open(deadline)));
  port.on('message', (message: { type: string }) => {
    if (message.type === 'close') {
      for (const client of clients) client.close();
      port.postMessage({ type: 'stopped' });
    }
  });
}

main().catch((error: unknown) => port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) }));
