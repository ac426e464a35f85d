// A proxy in front of a state server (127.0.0.1, a free port) that can lose the answer to a
// `resume`: it passes HTTP requests (the dashboard's files) and WebSocket messages both ways;
// with `loseNextResumeAnswer` set, it forwards the next `resume` to the server, waits for the
// server's answer (so the server has spent the ticket), drops that answer and cuts the client's
// connection, as a network failure at that moment would.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer, type RawData } from 'ws';

export interface LossyProxy {
  /** http://127.0.0.1:PORT/ and ws://127.0.0.1:PORT/ */
  readonly httpUrl: string;
  readonly wsUrl: string;
  /** Set: the answer to the next `resume` is lost with its connection (cleared once done). */
  loseNextResumeAnswer: boolean;
  /** Answers lost so far. */
  readonly lost: number;
  /** Cuts every client connection (they reconnect). */
  dropClients(): void;
  close(): Promise<void>;
}

export async function startLossyProxy(upstreamWsUrl: string): Promise<LossyProxy> {
  const upstream = new URL(upstreamWsUrl);
  const server: Server = createServer((req, res) => {
    const forward = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: { ...req.headers, host: upstream.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.writeHead(502).end());
    req.pipe(forward);
  });
  const wss = new WebSocketServer({ server });
  const clients = new Set<WebSocket>();
  let lost = 0;
  const proxy: LossyProxy = {
    httpUrl: '',
    wsUrl: '',
    loseNextResumeAnswer: false,
    get lost() { return lost; },
    dropClients: () => { for (const client of clients) client.terminate(); },
    close: () => new Promise<void>((resolve) => {
      for (const client of clients) client.terminate();
      wss.close(() => server.close(() => resolve()));
    }),
  };
  wss.on('connection', (client) => {
    clients.add(client);
    const up = new WebSocket(upstreamWsUrl);
    const early: { data: RawData; isBinary: boolean }[] = [];
    /** Set while a resume's answer is to be lost: the next text reply from the server is dropped and the client cut. */
    let losing = false;
    up.on('open', () => { for (const { data, isBinary } of early.splice(0)) up.send(data, { binary: isBinary }); });
    up.on('message', (data, isBinary) => {
      if (losing && !isBinary && (JSON.parse(data.toString()) as { type?: string }).type === 'auth') {
        losing = false;
        lost += 1;
        client.terminate();
        up.terminate();
        return;
      }
      if (!losing && client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
    });
    client.on('message', (data, isBinary) => {
      if (!isBinary && proxy.loseNextResumeAnswer && (JSON.parse(data.toString()) as { op?: string }).op === 'resume') {
        proxy.loseNextResumeAnswer = false;
        losing = true;
      }
      if (up.readyState === WebSocket.OPEN) up.send(data, { binary: isBinary });
      else early.push({ data, isBinary });
    });
    client.on('close', () => { clients.delete(client); if (!losing) up.close(); });
    up.on('close', () => { if (client.readyState === WebSocket.OPEN) client.close(1001, 'upstream closed'); });
    up.on('error', () => client.terminate());
    client.on('error', () => up.terminate());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  Object.assign(proxy, { httpUrl: `http://127.0.0.1:${port}/`, wsUrl: `ws://127.0.0.1:${port}/` });
  return proxy;
}
