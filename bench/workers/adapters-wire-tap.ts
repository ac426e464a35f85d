// WireTap (adapters bench): stamps the venue's bytes where they cross the process boundary, by
// wrapping net.Socket from outside the adapters while a leg runs, for the client sockets whose
// remote port is the venue simulator's:
//
//   venue socket --'data'--> [stamp: dataNs]  ws / @stoqey/ib decoder --> adapter --> listener
//   adapter --socket.write--> [stamp: writeNs] kernel --> venue
//
// `arm()` clears both stamps; the first 'data' event (entry of the socket's 'data' dispatch, before
// any handler runs) and the first write(...) call after it set them (the write stamp is taken once
// write returned: the bytes were handed to the kernel or queued in Node, `queuedBytes` says which).
// Only one message is in flight per leg, so the first bytes after arming are the message's.
// Stamps are the engine's latency clock (engine/threads monotonicNs: no allocation).
import net from 'node:net';
import { monotonicNs } from '../../engine/threads/index.js';

type Emit = (this: net.Socket, event: string | symbol, ...args: unknown[]) => boolean;
type Write = (this: net.Socket, ...args: unknown[]) => boolean;

export class WireTap {
  /** ns of the first 'data' since arm() (0: none yet). */
  dataNs = 0;
  /** ns of the first write since arm(), after it returned (0: none yet). */
  writeNs = 0;
  /** Bytes Node still held for the socket after that first write (0: all handed to the kernel). */
  queuedBytes = 0;
  dataEvents = 0;
  writes = 0;
  private readonly emit: Emit;
  private readonly write: Write;
  private installed = true;

  constructor(readonly venuePort: number) {
    const proto = net.Socket.prototype as unknown as { emit: Emit; write: Write };
    this.emit = proto.emit;
    this.write = proto.write;
    const tap = this;
    const originalEmit = this.emit;
    const originalWrite = this.write;
    proto.emit = function (this: net.Socket, event: string | symbol, ...args: unknown[]): boolean {
      if (event === 'data' && this.remotePort === tap.venuePort) {
        tap.dataEvents++;
        if (tap.dataNs === 0) tap.dataNs = monotonicNs();
      }
      return originalEmit.call(this, event, ...args);
    };
    proto.write = function (this: net.Socket, ...args: unknown[]): boolean {
      const result = originalWrite.apply(this, args);
      if (this.remotePort === tap.venuePort) {
        tap.writes++;
        if (tap.writeNs === 0) {
          tap.writeNs = monotonicNs();
          tap.queuedBytes = this.writableLength;
        }
      }
      return result;
    };
  }

  arm(): void {
    this.dataNs = 0;
    this.writeNs = 0;
    this.queuedBytes = 0;
  }

  /** Puts net.Socket back as it was. */
  remove(): void {
    if (!this.installed) return;
    const proto = net.Socket.prototype as unknown as { emit: Emit; write: Write };
    proto.emit = this.emit;
    proto.write = this.write;
    this.installed = false;
  }
}
