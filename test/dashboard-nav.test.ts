// The dashboard's pages (engine/server/dashboard/*.html) link to each other: from every page the
// operator reaches every other one (the main page as "/"), by its header's links.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DASHBOARD = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'engine', 'server', 'dashboard');
const pages = readdirSync(DASHBOARD).filter((name) => name.endsWith('.html')).sort();
const hrefOf = (page: string): string => (page === 'index.html' ? '/' : `/${page}`);

describe('dashboard navigation', () => {
  it.each(pages)('%s links to every other page', (page) => {
    const links = [...readFileSync(join(DASHBOARD, page), 'utf8').matchAll(/<a class="nav" href="([^"]+)"/g)].map((m) => m[1]).sort();
    expect(links, `${page}'s header links`).toEqual(pages.filter((other) => other !== page).map(hrefOf).sort());
  });
});
