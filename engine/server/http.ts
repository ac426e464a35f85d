// The server's HTTP routes. `/health`: liveness (the server answers) and readiness with reasons
// (the source's, and whether the server still accepts clients), as JSON; 200 when ready, 503
// when not. `/metrics`: Prometheus text exposition (prom-client) of the server's registry.
// With a run catalog (engine/backtest RunStore, `quantflow paper --run-store DIR`):
// `GET /api/runs?limit=N&before=ID` lists backtest runs newest first, a page at a time, as JSON
// ({ runs, next }: pass `next` as `before` for the older page); `GET /api/runs/<id>` is one run's
// summary; `GET /runs/<id>/<file>` is a stored file (report.html, report.json, fills.csv,
// trades.csv, equity.csv) with its content type. A malformed id or query is 400, an unknown run
// or file 404, each with the reason as JSON `{ error }`. `/favicon.ico` is 204 (no icon, no 404).
// The server registers these routes (and the static files) through hostCheckedRouter: a request
// whose Host it refuses (a name rebound to its loopback address) gets 403 before any route.
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';

/** The part of a uWS app the HTTP routes register on. */
export type HttpRouter = Pick<TemplatedApp, 'get' | 'head' | 'any'>;

type RouteHandler = (res: HttpResponse, req: HttpRequest) => void | Promise<void>;

/**
 * `app`'s routes behind a Host check: `refusal(host)` says why a request's Host header is
 * refused (403, the reason as JSON `{ error }`; no body for HEAD), or null to go on to the route.
 */
export function hostCheckedRouter(app: TemplatedApp, refusal: (host: string) => string | null): HttpRouter {
  const checked = (handler: RouteHandler): RouteHandler => (res, req) => {
    const why = refusal(req.getHeader('host'));
    if (why === null) return handler(res, req);
    const head = req.getMethod().toUpperCase() === 'HEAD';
    res.cork(() => {
      res.writeStatus('403 Forbidden').writeHeader('Content-Type', 'application/json').writeHeader('Cache-Control', 'no-store');
      if (head) res.endWithoutBody();
      else res.end(JSON.stringify({ error: why }));
    });
  };
  return {
    get: (pattern, handler) => app.get(pattern, checked(handler)),
    head: (pattern, handler) => app.head(pattern, checked(handler)),
    any: (pattern, handler) => app.any(pattern, checked(handler)),
  };
}
import type { ServerMetrics } from './server-metrics.js';
import type { SourceHealth } from './state-source.js';

export interface HealthReport {
  live: true;
  ready: boolean;
  reasons: string[];
  clients: number;
  uptimeSeconds: number;
}

/**
 * What the run routes read (engine/backtest RunStore fits). Malformed input (id, limit, before)
 * throws a RangeError, whose message names the value and the rule.
 */
export interface RunCatalog {
  list(options: { limit?: number; before?: string }): { runs: readonly unknown[]; next: string | null };
  get(id: string): unknown;
  servedFile(id: string, name: string): { bytes: Uint8Array; contentType: string } | undefined;
}

export interface HttpRoutesInput {
  metrics: ServerMetrics;
  health(): HealthReport;
  /** Backtest runs for /api/runs and /runs/<id>/<file>; absent: those routes say there is no run store. */
  runs?: RunCatalog | null;
}

export function healthReport(source: SourceHealth | undefined, clients: number, startedMs: number, closing: boolean): HealthReport {
  const reasons = [...(source?.reasons ?? [])];
  if (closing) reasons.push('the server is closing');
  return { live: true, ready: (source?.ready ?? true) && !closing, reasons, clients, uptimeSeconds: (Date.now() - startedMs) / 1000 };
}

function respond(res: HttpResponse, status: string, contentType: string, body: string): void {
  res.cork(() => {
    res.writeStatus(status).writeHeader('Content-Type', contentType).writeHeader('Cache-Control', 'no-store').end(body);
  });
}

const NO_RUN_STORE = 'this session has no run store: start it with --run-store DIR (quantflow paper; default .quantflow/runs)';

/** Answers `answer()`'s result; a RangeError becomes 400 with its message, another error 500. */
function respondRuns(res: HttpResponse, answer: () => { status: string; contentType: string; body: string | Uint8Array }): void {
  let out: { status: string; contentType: string; body: string | Uint8Array };
  try {
    out = answer();
  } catch (error) {
    const bad = error instanceof RangeError;
    out = { status: bad ? '400 Bad Request' : '500 Internal Server Error', contentType: 'application/json', body: JSON.stringify({ error: bad ? error.message : `the run store failed: ${(error as Error).message}` }) };
  }
  res.cork(() => {
    res.writeStatus(out.status).writeHeader('Content-Type', out.contentType).writeHeader('Cache-Control', 'no-store').end(out.body);
  });
}

function decodePart(raw: string, field: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new RangeError(`${field} must be valid percent-encoded UTF-8, was ${JSON.stringify(raw.slice(0, 80))}`);
  }
}

const json = (status: string, value: unknown) => ({ status, contentType: 'application/json', body: JSON.stringify(value) });

/** `limit` and `before` from a query string; a malformed value throws a RangeError naming it. */
export function runPageQuery(query: string): { limit?: number; before?: string } {
  const params = new URLSearchParams(query);
  const out: { limit?: number; before?: string } = {};
  const limit = params.get('limit');
  if (limit !== null) {
    if (!/^[0-9]{1,6}$/.test(limit)) throw new RangeError(`query \`limit\` must be a whole number of runs (1..200), was ${JSON.stringify(limit.slice(0, 40))}`);
    out.limit = Number(limit);
  }
  const before = params.get('before');
  if (before !== null && before !== '') out.before = before;
  return out;
}

function registerRunRoutes(app: HttpRouter, runs: RunCatalog | null | undefined): void {
  app.get('/api/runs', (res, req) => {
    const query = req.getQuery() ?? '';
    respondRuns(res, () => (runs ? json('200 OK', runs.list(runPageQuery(query))) : json('404 Not Found', { error: NO_RUN_STORE })));
  });
  app.get('/api/runs/:id', (res, req) => {
    const rawId = req.getParameter(0) ?? '';
    respondRuns(res, () => {
      if (!runs) return json('404 Not Found', { error: NO_RUN_STORE });
      const id = decodePart(rawId, 'run id');
      const run = runs.get(id);
      return run === undefined ? json('404 Not Found', { error: `no run ${id} in the run store` }) : json('200 OK', run);
    });
  });
  app.get('/runs/:id/:file', (res, req) => {
    const rawId = req.getParameter(0) ?? '';
    const rawName = req.getParameter(1) ?? '';
    respondRuns(res, () => {
      if (!runs) return json('404 Not Found', { error: NO_RUN_STORE });
      const id = decodePart(rawId, 'run id');
      const name = decodePart(rawName, 'file name');
      if (runs.get(id) === undefined) return json('404 Not Found', { error: `no run ${id} in the run store` });
      const file = runs.servedFile(id, name);
      if (!file) return json('404 Not Found', { error: `run ${id} has no file ${JSON.stringify(name.slice(0, 80))}: a run holds report.html, report.json, fills.csv, trades.csv and equity.csv (see /api/runs/${id})` });
      return { status: '200 OK', contentType: file.contentType, body: file.bytes };
    });
  });
}

export function registerHttpRoutes(app: HttpRouter, input: HttpRoutesInput): void {
  registerRunRoutes(app, input.runs);
  // Pages without an icon link (a stored report.html) make the browser ask for one: no content, not a 404.
  app.get('/favicon.ico', (res) => {
    res.cork(() => {
      res.writeStatus('204 No Content').writeHeader('Cache-Control', 'max-age=86400').endWithoutBody();
    });
  });
  app.get('/health', (res) => {
    const report = input.health();
    respond(res, report.ready ? '200 OK' : '503 Service Unavailable', 'application/json', JSON.stringify(report));
  });
  // A HEAD probe gets the status and headers of GET /health, and no body.
  app.head('/health', (res) => {
    const report = input.health();
    res.cork(() => {
      res.writeStatus(report.ready ? '200 OK' : '503 Service Unavailable').writeHeader('Content-Type', 'application/json').writeHeader('Cache-Control', 'no-store').endWithoutBody();
    });
  });
  app.get('/metrics', (res) => {
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    input.metrics.registry.metrics().then(
      (text) => {
        if (!aborted) respond(res, '200 OK', input.metrics.registry.contentType, text);
      },
      (error: Error) => {
        if (!aborted) respond(res, '500 Internal Server Error', 'text/plain', `metrics failed: ${error.message}\n`);
      },
    );
  });
  // HEAD /metrics: GET's status and type, no body (the registry is not collected for it).
  app.head('/metrics', (res) => {
    res.cork(() => {
      res.writeStatus('200 OK').writeHeader('Content-Type', input.metrics.registry.contentType).writeHeader('Cache-Control', 'no-store').endWithoutBody();
    });
  });
  app.any('/*', (res, req) => {
    const method = req.getMethod().toUpperCase();
    if (method === 'HEAD') {
      // No body after a HEAD: a keep-alive client would read it as the next response.
      res.cork(() => {
        res.writeStatus('404 Not Found').writeHeader('Cache-Control', 'no-store').endWithoutBody();
      });
      return;
    }
    if (method !== 'GET') {
      res.cork(() => {
        res.writeStatus('405 Method Not Allowed').writeHeader('Allow', 'GET').writeHeader('Content-Type', 'application/json').writeHeader('Cache-Control', 'no-store')
          .end(JSON.stringify({ error: `${method} is not served: this server answers GET (/health, /metrics, /api/runs) and a WebSocket on /` }));
      });
      return;
    }
    respond(res, '404 Not Found', 'application/json', JSON.stringify({ error: `no route ${method} ${req.getUrl()}: try /health, /metrics, /api/runs or a WebSocket on /` }));
  });
}
