// The server's HTTP routes. `/health`: liveness (the server answers) and readiness with reasons
// (the source's, and whether the server still accepts clients), as JSON; 200 when ready, 503
// when not. `/metrics`: Prometheus text exposition (prom-client) of the server's registry.
import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { ServerMetrics } from './server-metrics.js';
import type { SourceHealth } from './state-source.js';

export interface HealthReport {
  live: true;
  ready: boolean;
  reasons: string[];
  clients: number;
  uptimeSeconds: number;
}

export interface HttpRoutesInput {
  metrics: ServerMetrics;
  health(): HealthReport;
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

export function registerHttpRoutes(app: TemplatedApp, input: HttpRoutesInput): void {
  app.get('/health', (res) => {
    const report = input.health();
    respond(res, report.ready ? '200 OK' : '503 Service Unavailable', 'application/json', JSON.stringify(report));
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
  app.any('/*', (res, req) => {
    respond(res, '404 Not Found', 'application/json', JSON.stringify({ error: `no route ${req.getMethod().toUpperCase()} ${req.getUrl()}: try /health, /metrics or a WebSocket on /` }));
  });
}
