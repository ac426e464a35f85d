// The dashboard's control across reconnects in headless Chromium, against a state server fed by
// hand (PushStateSource, a free port) with signed control: once the page's token is bound to its
// connection (its first action) the Risk card says who holds control; when another party
// presents the page's resume ticket first (a leaked ticket), the server closes the page's
// connection (4009) and the page says so loudly: a sticky critical toast, the spent token cleared
// from the form, the card back to read-only. (Keeping control across a plain reconnect:
// test/paper-dashboard.test.ts 'pauses and resumes the strategy ...'.)
// Needs /usr/lib/chromium/chromium (apt-get install chromium): a failure under CI=true, a skip otherwise.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ResumeTicketStore, signControlToken, type ControlTokenConfig, type IssuedTicket, type ResumeGrant } from '../engine/killswitch/index.js';
import { PushStateSource, dashboardMounts, startStateServer } from '../engine/server/index.js';
import { chromiumGuard, haveChromium, launchChromium, openPage } from './launch-chromium.js';
import { startLossyProxy } from './lossy-ws-proxy.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TOKENS: ControlTokenConfig = { algorithm: 'HS256', secret: 'x'.repeat(40), publicKey: null, audience: 'quantflow-control' };

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Tells the test the tickets it issued (as a thief who read them off the wire would know them). */
class SniffedTicketStore extends ResumeTicketStore {
  readonly issued: string[] = [];
  override issue(grant: ResumeGrant): IssuedTicket {
    const issued = super.issue(grant);
    this.issued.push(issued.ticket);
    return issued;
  }
}

describe('dashboard control resume', () => {
  chromiumGuard('dashboard-control-resume');

  it.runIf(haveChromium)('shows who holds control, and says loudly when another party resumed it with the page\'s ticket', async () => {
    const tickets = new SniffedTicketStore();
    const actions: string[] = [];
    const server = await startStateServer({
      source: new PushStateSource(), staticFiles: dashboardMounts(ROOT), tokens: TOKENS, resumeTickets: tickets,
      onControl: (action, context) => { actions.push(`${context.who}:${action.kind}`); },
    });
    cleanups.push(() => server.close());
    const browser = await launchChromium();
    cleanups.push(() => browser.close());
    const { page, errors: pageErrors } = await openPage(browser);
    await page.goto(server.url.replace('ws:', 'http:'));
    await page.waitForFunction(() => (window as unknown as { __dashboard: { connected: boolean } }).__dashboard.connected, undefined, { timeout: 15_000 });
    expect(await page.locator('#control-holder').textContent()).toBe('read-only');
    await page.fill('#token', await signControlToken('alice', TOKENS, 600));
    await page.fill('#pause-strategy', 'ema-cross');
    await page.click('#pause-button');
    await page.waitForFunction(() => /applied|refused/.test(document.getElementById('pause-result')!.textContent ?? ''), undefined, { timeout: 15_000 });
    expect(await page.locator('#pause-result').textContent()).toBe('ema-cross: pause applied (by alice)');
    await page.waitForFunction(() => document.getElementById('control-holder')!.textContent === 'alice (kept across reconnects)', undefined, { timeout: 15_000 });

    const thief = new WebSocket(server.url);
    cleanups.push(() => thief.close());
    const answers: { type: string; ok?: boolean }[] = [];
    thief.on('message', (data, isBinary) => { if (!isBinary) answers.push(JSON.parse(data.toString())); });
    await new Promise((resolveOpen) => thief.once('open', resolveOpen));
    thief.send(JSON.stringify({ op: 'resume', ticket: tickets.issued[0] }));
    await page.waitForFunction(() => (window as unknown as { __dashboard: { controlLost: number } }).__dashboard.controlLost === 1, undefined, { timeout: 15_000 });
    expect(answers[0], 'the thief got the control').toMatchObject({ type: 'auth', ok: true });
    const toast = page.locator('.toast[data-kind="control-lost"]');
    expect(await toast.count(), 'a critical toast').toBe(1);
    expect(await toast.getAttribute('data-sticky'), 'that stays until closed').toBe('true');
    expect(await toast.textContent()).toMatch(/^control LOST: control resumed by another connection with this connection's resume ticket/);
    expect(await page.inputValue('#token'), 'the spent token is cleared from the form').toBe('');
    expect(await page.locator('#control-holder').textContent()).toBe('read-only: paste a new control token');
    expect(actions).toEqual(['alice:pause-strategy']);
    expect(pageErrors).toEqual([]);
  });

  // The ticket lived in the page's memory: a reload (F5, a browser restoring the tab) lost it and
  // the operator needed a new token. It is kept in the tab's sessionStorage: the reloaded page
  // resumes with it; another tab (its own sessionStorage) does not get it, and nothing is left
  // in localStorage (shared by every tab, kept after the browser closes).
  it.runIf(haveChromium)('keeps control across a reload of the same tab (the ticket in sessionStorage, not localStorage); another tab stays read-only', async () => {
    const actions: string[] = [];
    const server = await startStateServer({
      source: new PushStateSource(), staticFiles: dashboardMounts(ROOT), tokens: TOKENS,
      onControl: (action, context) => { actions.push(`${context.who}:${action.kind}`); },
    });
    cleanups.push(() => server.close());
    const browser = await launchChromium();
    cleanups.push(() => browser.close());
    const context = await browser.newContext();
    const { page, errors: pageErrors } = await openPage(context);
    const dashboard = server.url.replace('ws:', 'http:');
    const connected = () => page.waitForFunction(() => (window as unknown as { __dashboard: { connected: boolean } }).__dashboard.connected, undefined, { timeout: 15_000 });
    await page.goto(dashboard);
    await connected();
    await page.fill('#token', await signControlToken('alice', TOKENS, 600));
    await page.fill('#pause-strategy', 'ema-cross');
    await page.click('#pause-button');
    await page.waitForFunction(() => document.getElementById('control-holder')!.textContent === 'alice (kept across reconnects)', undefined, { timeout: 15_000 });
    const stored = () => page.evaluate(() => ({ session: Object.keys(sessionStorage).length, local: Object.keys(localStorage).length }));
    expect(await stored(), 'the ticket is in the tab\'s sessionStorage only').toEqual({ session: 1, local: 0 });

    await page.reload();
    await connected();
    await page.waitForFunction(() => (window as unknown as { __dashboard: { controlResumes: number } }).__dashboard.controlResumes === 1, undefined, { timeout: 15_000 });
    await page.waitForFunction(() => document.getElementById('control-holder')!.textContent === 'alice (kept across reconnects)', undefined, { timeout: 15_000 });
    expect(await page.inputValue('#token'), 'the form is empty after the reload').toBe('');
    await page.fill('#pause-strategy', 'ema-cross');
    await page.click('#resume-button');
    await page.waitForFunction(() => /applied|refused/.test(document.getElementById('pause-result')!.textContent ?? ''), undefined, { timeout: 15_000 });
    expect(await page.locator('#pause-result').textContent(), 'acts with no new token').toBe('ema-cross: resume applied (by alice)');
    expect(await stored(), 'the next ticket replaced the spent one').toEqual({ session: 1, local: 0 });

    const other = await context.newPage();
    await other.goto(dashboard);
    await other.waitForFunction(() => (window as unknown as { __dashboard: { connected: boolean } }).__dashboard.connected, undefined, { timeout: 15_000 });
    expect(await other.locator('#control-holder').textContent(), 'another tab of the same browser').toBe('read-only');
    expect(await other.evaluate(() => (window as unknown as { __dashboard: { controlResumes: number } }).__dashboard.controlResumes)).toBe(0);
    expect(actions).toEqual(['alice:pause-strategy', 'alice:resume-strategy']);
    expect(pageErrors).toEqual([]);
  });

  // Chrome's "Duplicate tab" copies the tab's sessionStorage, resume ticket included: the copy
  // presented it, the server resumed the control on the copy's connection and closed the original
  // (4009, "control LOST"). The ticket is kept with its tab's id, and a page loading with a kept
  // ticket asks the open pages whether one is that tab: the original answers, the copy comes up
  // read-only. (Duplication is simulated: a second page of the same browser context gets a copy
  // of the first's sessionStorage before the dashboard's script runs.)
  it.runIf(haveChromium)('a duplicated tab (its sessionStorage copied) comes up read-only and leaves the control with the original', async () => {
    const actions: string[] = [];
    const server = await startStateServer({
      source: new PushStateSource(), staticFiles: dashboardMounts(ROOT), tokens: TOKENS,
      onControl: (action, context) => { actions.push(`${context.who}:${action.kind}`); },
    });
    cleanups.push(() => server.close());
    const browser = await launchChromium();
    cleanups.push(() => browser.close());
    const context = await browser.newContext();
    const errors: string[] = [];
    const { page } = await openPage(context, { errors, prefix: 'original: ' });
    const dashboard = server.url.replace('ws:', 'http:');
    type Stats = { connected: boolean; controlResumes: number; controlLost: number; duplicateTabs?: number };
    const stats = (target: typeof page) => target.evaluate(() => (window as unknown as { __dashboard: Stats }).__dashboard);
    await page.goto(dashboard);
    await page.waitForFunction(() => (window as unknown as { __dashboard: Stats }).__dashboard.connected, undefined, { timeout: 15_000 });
    await page.fill('#token', await signControlToken('alice', TOKENS, 600));
    await page.fill('#pause-strategy', 'ema-cross');
    await page.click('#pause-button');
    await page.waitForFunction(() => document.getElementById('control-holder')!.textContent === 'alice (kept across reconnects)', undefined, { timeout: 15_000 });
    const copied = await page.evaluate(() => JSON.stringify(Object.fromEntries(Object.entries(sessionStorage))));
    expect(Object.keys(JSON.parse(copied) as object), 'the original keeps a ticket').toHaveLength(1);

    const { page: duplicate } = await openPage(context, { errors, prefix: 'duplicate: ' });
    await duplicate.addInitScript((entries: string) => {
      for (const [key, value] of Object.entries(JSON.parse(entries) as Record<string, string>)) sessionStorage.setItem(key, value);
    }, copied);
    await duplicate.goto(dashboard);
    await duplicate.waitForFunction(() => (window as unknown as { __dashboard: Stats }).__dashboard.connected, undefined, { timeout: 15_000 });
    // The original acts with no token: it still holds the control (a copy that resumed it would have had the server close it first).
    await page.fill('#token', '');
    await page.click('#resume-button');
    await page.waitForFunction(() => !/pause applied|sent…/.test(document.getElementById('pause-result')!.textContent ?? ''), undefined, { timeout: 15_000 });
    expect(await stats(page), 'the original: control never lost').toMatchObject({ controlLost: 0 });
    expect(await page.locator('#pause-result').textContent(), 'the original acts with no new token').toBe('ema-cross: resume applied (by alice)');
    expect(await page.locator('#control-holder').textContent()).toBe('alice (kept across reconnects)');
    expect(await stats(duplicate), 'the copy found out it is a duplicate and did not resume').toMatchObject({ controlResumes: 0, controlLost: 0, duplicateTabs: 1 });
    expect(await duplicate.locator('#control-holder').textContent(), 'the copy is read-only').toBe('read-only');
    expect(await duplicate.evaluate(() => Object.keys(sessionStorage).length), 'the copy forgot its copy of the ticket').toBe(0);
    expect(await page.evaluate(() => Object.keys(sessionStorage).length), 'the original keeps its own').toBe(1);

    // The original reloaded (its old page gone): no page answers for its tab, so it resumes.
    await page.reload();
    await page.waitForFunction(() => (window as unknown as { __dashboard: Stats }).__dashboard.controlResumes === 1, undefined, { timeout: 15_000 });
    expect(await stats(page)).toMatchObject({ controlLost: 0, duplicateTabs: 0 });
    expect(actions).toEqual(['alice:pause-strategy', 'alice:resume-strategy']);
    expect(errors).toEqual([]);
  });

  // The answer to the page's resume lost with its connection: the page presented the ticket again
  // and the server refused it as used, so the page said "control NOT resumed" as for a leaked
  // ticket. The page presents each ticket with its attempt nonce: the server resumes it again.
  it.runIf(haveChromium)('keeps control when the answer to its resume is lost with the connection (not taken for a leaked ticket)', async () => {
    const actions: string[] = [];
    const server = await startStateServer({
      source: new PushStateSource(), staticFiles: dashboardMounts(ROOT), tokens: TOKENS,
      onControl: (action, context) => { actions.push(`${context.who}:${action.kind}`); },
    });
    cleanups.push(() => server.close());
    const proxy = await startLossyProxy(server.url);
    cleanups.push(() => proxy.close());
    const browser = await launchChromium();
    cleanups.push(() => browser.close());
    const { page, errors: pageErrors } = await openPage(browser);
    await page.goto(proxy.httpUrl);
    await page.waitForFunction(() => (window as unknown as { __dashboard: { connected: boolean } }).__dashboard.connected, undefined, { timeout: 15_000 });
    await page.fill('#token', await signControlToken('alice', TOKENS, 600));
    await page.fill('#pause-strategy', 'ema-cross');
    await page.click('#pause-button');
    await page.waitForFunction(() => document.getElementById('control-holder')!.textContent === 'alice (kept across reconnects)', undefined, { timeout: 15_000 });

    proxy.loseNextResumeAnswer = true;
    proxy.dropClients();
    const dashboard = () => page.evaluate(() => (window as unknown as { __dashboard: { controlResumes: number; controlLost: number } }).__dashboard);
    await page.waitForFunction(() => {
      const d = (window as unknown as { __dashboard: { controlResumes: number; controlLost: number } }).__dashboard;
      return d.controlResumes + d.controlLost > 0;
    }, undefined, { timeout: 15_000 });
    expect(proxy.lost, 'the first resume\'s answer was lost').toBe(1);
    expect(await dashboard(), 'presented again: resumed, not lost').toMatchObject({ controlResumes: 1, controlLost: 0 });
    await page.waitForFunction(() => document.getElementById('control-holder')!.textContent === 'alice (kept across reconnects)', undefined, { timeout: 15_000 });
    expect(await page.locator('.toast[data-kind="control-lost"]').count(), 'no "control lost" toast').toBe(0);
    await page.fill('#token', '');
    await page.click('#resume-button');
    await page.waitForFunction(() => /applied|refused/.test(document.getElementById('pause-result')!.textContent ?? '') && !/pause/.test(document.getElementById('pause-result')!.textContent ?? ''), undefined, { timeout: 15_000 });
    expect(await page.locator('#pause-result').textContent()).toBe('ema-cross: resume applied (by alice)');
    expect(actions).toEqual(['alice:pause-strategy', 'alice:resume-strategy']);
    expect(pageErrors).toEqual([]);
  });
});
