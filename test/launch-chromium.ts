// The browser suites' shared set-up: Debian's Chromium (apt-get install -y --no-install-recommends
// chromium) driven by playwright-core. chromiumGuard() registers, inside a suite's describe, the
// "has Chromium under CI" test: under CI=true a missing Chromium FAILS the suite; elsewhere the
// suite's browser tests (it.runIf(haveChromium) / describe.runIf(haveChromium)) are skipped and
// that is said once on stderr. launchChromium() starts it headless; openPage() opens a page that
// collects what went wrong in it (uncaught exceptions; with `console`, console errors too).
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect, it } from 'vitest';

export const CHROMIUM = '/usr/lib/chromium/chromium';
export const haveChromium = existsSync(CHROMIUM);
export const underCi = process.env.CI === 'true';

/** Call inside the suite's describe: the CI guard test, and the skip notice without Chromium outside CI. */
export function chromiumGuard(suite: string): void {
  if (!haveChromium && !underCi) console.warn(`${suite}: skipped, no Chromium at ${CHROMIUM} (apt-get install -y --no-install-recommends chromium)`);
  it.runIf(!haveChromium && underCi)('has Chromium under CI', () => {
    expect.fail(`CI=true but ${CHROMIUM} is missing: .ci/run installs it with apt-get install -y --no-install-recommends chromium`);
  });
}

/** Starts Chromium headless (no sandbox: containers and CI run as root). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

export interface PageWatchOptions {
  /** Also collect console errors (`console.error`, failed resource loads). Default false. */
  console?: boolean;
  /** Put before each collected message (a suite watching several pages). */
  prefix?: string;
}

/** Collects the page's uncaught exceptions (and with `console`, its console errors) into `errors`. */
export function watchPageErrors(page: Page, errors: string[], options: PageWatchOptions = {}): string[] {
  const prefix = options.prefix ?? '';
  page.on('pageerror', (error) => errors.push(`${prefix}${error.message}`));
  if (options.console) {
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`${prefix}${message.text()}`);
    });
  }
  return errors;
}

export interface OpenPageOptions extends PageWatchOptions {
  viewport?: { width: number; height: number };
  /** Where the page's errors go (several pages into one list); default a new list. */
  errors?: string[];
}

/** A new page of `target` (a browser or a context) whose errors are collected in `errors`. */
export async function openPage(target: Browser | BrowserContext, options: OpenPageOptions = {}): Promise<{ page: Page; errors: string[] }> {
  const page = await target.newPage(options.viewport ? { viewport: options.viewport } : {});
  return { page, errors: watchPageErrors(page, options.errors ?? [], options) };
}
