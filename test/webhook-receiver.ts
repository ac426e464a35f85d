// A webhook receiver for the crash tests of webhook delivery: an HTTP server on 127.0.0.1 that
// answers every POST 204 and keeps each one's Idempotency-Key header and parsed JSON body, in the
// order they came. The test closes it (pass its `receivers` list to close in afterEach).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedPost<Body> { idempotencyKey: string; body: Body }

/** Starts a receiver on a free port, adds it to `receivers`; `url` is its hook URL. */
export async function startWebhookReceiver<Body>(receivers: Server[]): Promise<{ posts: ReceivedPost<Body>[]; url: string }> {
  const posts: ReceivedPost<Body>[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => { body += chunk.toString(); });
    req.on('end', () => { posts.push({ idempotencyKey: String(req.headers['idempotency-key']), body: JSON.parse(body) as Body }); res.writeHead(204).end(); });
  });
  receivers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { posts, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook` };
}
