// Static files over the state server's HTTP (for the dashboard, engine/server/dashboard/): a
// list of mounts, each a URL prefix served from one directory (or a single file). Only GET, only
// known extensions (html, js, mjs, css, map, json, png, svg), no path leaving its directory
// (anything else yields to the server's own routes and its 404); files are read once and kept in memory (they are small and do not change while serving).
// `dashboardMounts(root)` is the dashboard's set: its own files at `/`, lightweight-charts'
// standalone build, and the compiled engine/client protocol modules (protocol, frame decoding,
// the generated FlatBuffers classes and flatbuffers' ES modules), which import nothing
// node-only, so the browser decodes frames with the same code as the Node client.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import type { HttpRouter } from './http.js';

export interface StaticMount {
  /** URL prefix ending in `/` (a directory), or an exact path (a file). */
  readonly url: string;
  /** The directory (prefix) or file (exact path) it serves. */
  readonly path: string;
  /** For a directory: the file served for the prefix itself (e.g. index.html). */
  readonly index?: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** The dashboard's mounts, from the package root (dist/ must be built: the client modules are compiled). */
export function dashboardMounts(root: string): StaticMount[] {
  return [
    { url: '/', path: join(root, 'engine', 'server', 'dashboard'), index: 'index.html' },
    { url: '/vendor/lightweight-charts.js', path: join(root, 'node_modules', 'lightweight-charts', 'dist', 'lightweight-charts.standalone.production.js') },
    { url: '/vendor/flatbuffers/', path: join(root, 'node_modules', 'flatbuffers', 'mjs') },
    { url: '/dist/engine/client/', path: join(root, 'dist', 'engine', 'client') },
    { url: '/dist/schemas/generated/', path: join(root, 'dist', 'schemas', 'generated') },
  ];
}

/** The file a URL names under `mounts`, or null (no mount, bad extension, outside its directory, missing). */
export function resolveStaticFile(mounts: readonly StaticMount[], url: string): string | null {
  let path: string;
  try {
    path = decodeURIComponent(url.split('?')[0]);
  } catch {
    return null;
  }
  if (path.includes('\0')) return null;
  // Longest prefix first, so `/vendor/...` wins over `/`.
  const ordered = [...mounts].sort((a, b) => b.url.length - a.url.length);
  for (const mount of ordered) {
    if (!mount.url.endsWith('/')) {
      if (path === mount.url) return existsSync(mount.path) ? mount.path : null;
      continue;
    }
    if (!path.startsWith(mount.url)) continue;
    const rest = path.slice(mount.url.length) || mount.index || '';
    if (rest === '') return null;
    const dir = resolve(mount.path);
    const file = resolve(dir, rest);
    if (!file.startsWith(dir + sep)) return null;
    if (!(extname(file) in CONTENT_TYPES)) return null;
    if (!existsSync(file) || !statSync(file).isFile()) continue;
    return file;
  }
  return null;
}

type RouteHandler = (res: HttpResponse, req: HttpRequest) => void;

/**
 * Registers a GET and a HEAD route per mount (before the server's catch-all 404). HEAD answers
 * with GET's status and headers (its Content-Length included) and no body, as uptime probes and
 * link checkers expect.
 */
export function registerStaticRoutes(app: HttpRouter, mounts: readonly StaticMount[]): void {
  const cache = new Map<string, Buffer>();
  const serve = (res: HttpResponse, req: HttpRequest, url: string): void => {
    const file = resolveStaticFile(mounts, url);
    if (file === null) {
      req.setYield(true); // on to the next route: /health, /metrics or the server's 404
      return;
    }
    let body = cache.get(file);
    if (!body) {
      body = readFileSync(file);
      cache.set(file, body);
    }
    const bytes = body;
    const head = req.getMethod().toUpperCase() === 'HEAD';
    res.cork(() => {
      res.writeStatus('200 OK').writeHeader('Content-Type', CONTENT_TYPES[extname(file)]).writeHeader('Cache-Control', 'no-cache');
      // (endWithoutBody(length) of this uWS build aborts the process: the header is written by hand.)
      if (head) res.writeHeader('Content-Length', String(bytes.length)).endWithoutBody();
      else res.end(bytes);
    });
  };
  for (const mount of mounts) {
    const pattern = mount.url.endsWith('/') ? `${mount.url}*` : mount.url;
    const routes = [(p: string, h: RouteHandler) => app.get(p, h), (p: string, h: RouteHandler) => app.head(p, h)];
    for (const route of routes) {
      route(pattern, (res, req) => serve(res, req, req.getUrl()));
      if (mount.url.endsWith('/') && mount.url !== '/') route(mount.url.slice(0, -1), (res, req) => serve(res, req, `${req.getUrl()}/`));
    }
  }
}
