// QuestDB's HTTP API, I/O only: `/exec` (a JSON answer, for DDL, checks and counts) and `/exp`
// (a CSV export streamed as raw byte chunks). Parsing lives in questdb-csv.ts.
import { request, type IncomingMessage } from 'node:http';
import { QuestDbQueryError } from './questdb-errors.js';

export interface ExecResult {
  readonly columns: readonly { name: string; type: string }[];
  readonly dataset: readonly (readonly unknown[])[];
}

/** How long a response body may stay silent: long, as a paused consumer (backpressure) also stops the flow. */
const BODY_IDLE_MS = 600_000;

function get(base: string, path: string, query: string, extra: Record<string, string>, label: string, timeoutMs: number): Promise<IncomingMessage> {
  const params = new URLSearchParams({ query, ...extra });
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request(`${base}${path}?${params}`, { method: 'GET', agent: false }, (response) => {
      answered = true;
      req.setTimeout(BODY_IDLE_MS);
      resolve(response);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(answered ? `the answer stalled for ${BODY_IDLE_MS} ms` : `no answer within ${timeoutMs} ms`)));
    req.on('error', (error: NodeJS.ErrnoException) => reject(new QuestDbQueryError(label, query, undefined, error.code ? `${error.code} ${error.message}` : error.message)));
    req.end();
  });
}

async function readAll(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function errorDetail(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: string };
    if (typeof parsed.error === 'string') return parsed.error;
  } catch {
    /* not JSON: the body itself */
  }
  return body.slice(0, 500) || '(empty body)';
}

/** Runs `query` through `/exec`; rejects with QuestDbQueryError (naming `label`) on a refusal or no answer. */
export async function questDbExec(base: string, query: string, label = base, timeoutMs = 30_000): Promise<ExecResult> {
  const response = await get(base, '/exec', query, {}, label, timeoutMs);
  let body: string;
  try {
    body = await readAll(response);
  } catch (error) {
    throw new QuestDbQueryError(label, query, response.statusCode, `the answer broke off: ${(error as Error).message}`);
  }
  if (response.statusCode !== 200) throw new QuestDbQueryError(label, query, response.statusCode, errorDetail(body));
  const parsed = JSON.parse(body) as ExecResult & { error?: string; ddl?: string; dml?: string };
  if (parsed.error) throw new QuestDbQueryError(label, query, response.statusCode, parsed.error);
  return { columns: parsed.columns ?? [], dataset: parsed.dataset ?? [] };
}

/**
 * Starts a CSV export of `query` through `/exp` and resolves with the response once the status
 * is 200 (the body is then read as a stream of Buffer chunks, with backpressure); rejects with
 * QuestDbQueryError otherwise.
 */
export async function questDbExport(base: string, query: string, label = base, timeoutMs = 60_000): Promise<IncomingMessage> {
  // HTTP 429: every export connection the server allows (http.export.connection.limit) is busy,
  // here with other streams' pages, each held only while it is read: wait for one to close.
  for (let waitedMs = 0, delayMs = 20; ; waitedMs += delayMs, delayMs = Math.min(delayMs * 2, 500)) {
    const response = await get(base, '/exp', query, {}, label, timeoutMs);
    if (response.statusCode === 200) return response;
    const body = await readAll(response).catch(() => '');
    if (response.statusCode !== 429 || waitedMs >= EXPORT_BUSY_WAIT_MS) {
      const busy = response.statusCode === 429 ? ` (still busy after ${waitedMs} ms: raise the server's http.export.connection.limit or stop other exports)` : '';
      throw new QuestDbQueryError(label, query, response.statusCode, `${errorDetail(body)}${busy}`);
    }
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
}

/** How long an export waits for a free export connection (HTTP 429) before it fails. */
const EXPORT_BUSY_WAIT_MS = 60_000;
