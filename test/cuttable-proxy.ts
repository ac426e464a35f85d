// A TCP proxy a test cuts and restores: a venue outage (every connection dropped, new ones reset)
// between a client and a local venue simulator, and the venue's return, whole or WebSocket
// upgrades first (streams back while REST still fails).
import net from 'node:net';

export interface CuttableProxy {
  readonly port: number;
  /** Drops every open connection; new ones are reset until restore(). */
  cut(): void;
  /** Lets WebSocket upgrades through again; plain HTTP requests are still reset. */
  restoreWebSockets(): void;
  restore(): void;
  close(): Promise<void>;
}

/** A proxy to 127.0.0.1:`port` on a free port. */
export async function cuttableProxy(port: number): Promise<CuttableProxy> {
  let state: 'up' | 'down' | 'websockets' = 'up';
  const open = new Set<net.Socket>();
  const pipe = (client: net.Socket, first: Buffer | null) => {
    const upstream = net.connect(port, '127.0.0.1');
    open.add(client); open.add(upstream);
    if (first) upstream.write(first);
    client.pipe(upstream); upstream.pipe(client);
    const end = () => { client.destroy(); upstream.destroy(); open.delete(client); open.delete(upstream); };
    client.on('error', end); upstream.on('error', end); client.on('close', end); upstream.on('close', end);
  };
  const server = net.createServer((client) => {
    if (state === 'down') { client.resetAndDestroy(); return; }
    if (state === 'up') { pipe(client, null); return; }
    client.once('data', (first: Buffer) => {
      if (state === 'up' || (state === 'websockets' && /\r\nupgrade: *websocket/i.test(first.toString('latin1')))) { pipe(client, first); return; }
      client.resetAndDestroy();
    });
    client.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut: () => { state = 'down'; for (const s of open) s.destroy(); open.clear(); },
    restoreWebSockets: () => { state = 'websockets'; },
    restore: () => { state = 'up'; },
    close: () => { for (const s of open) s.destroy(); open.clear(); return new Promise<void>((r) => server.close(() => r())); },
  };
}
