// The dashboard's browser side (plain ES module, no build step). It speaks the engine/client
// protocol over the page's own host: JSON text messages out, FlatBuffers frames in, decoded by
// the compiled engine/client frame decoder (the same code the Node client uses; it imports only
// flatbuffers and the generated schema classes). Like quantflow-client.ts it checks each topic's
// sequence: a gap on fills or orders re-subscribes with `since`; after a drop it reconnects with
// backoff and re-subscribes every topic, fills with `since` the last sequence seen (and the epoch
// of the server that counted it: a restarted server sends its whole backlog), so no fill is
// missed while the server's backlog covers the outage. A server that restarted (another epoch) is
// a new session: the page's fills, orders and equity line start afresh (startNewSession).
//
// Sections: the equity chart (a lightweight-charts line from state frames, x = engine time),
// positions with the regime label per instrument, recent orders and fills, risk with the kill
// switch and its reset form (a signed control token), the connection status, and a notification
// bell: fills and kill-switch trips are critical (toasts, also listed), the rest (connection,
// backfill, rejections, control results) go to the bell's list only, each read or dismissed.
// A kill-switch trip's toast stays until it is closed (fill toasts come and go around it).
// Each order and fill carries the rule that made the order (engine/orders OrderRuleName): a fill
// of a STOP, ATR_STOP or TRAILING_STOP order is a critical "stop-loss hit" toast of its own (kind
// 'stop-loss'); a TARGET_n or MAX_HOLD fill is an info in the bell; other fills toast as fills.
// A canceled, rejected or expired order says why in words (its statusReason: the venue's reason,
// engine/venue VenueCancelReason, VenueRejectReason, VenueExpiryReason) in the orders table's
// `why` column, and a rejection's bell entry says it too.
// Fills that come in a backfill (after a reconnect or a gap) are one bell entry, except stop-loss
// hits, which toast each as they would have live.
// Feed health (the `health` topic): each instrument's feed condition and the policy action it
// draws; a feed going degraded is a warning in the bell, its recovery an info.
// Control across reconnects: once a control token is bound to the page's connection (its first
// action), the server hands the page a resume ticket (rotated before it expires); after a drop
// the page presents it (`resume`) before anything else and holds control again with no new token
// (the Risk card's `control` line says who). A refused ticket (used first by another party, or
// expired) or the server closing the page because another connection resumed its control (4009)
// is a sticky critical toast: control is gone until a new token is pasted.
// The ticket (and who it resumes) is kept in the tab's sessionStorage, so a reload of the same tab
// resumes with it too; never in localStorage, which every tab shares and which outlives the
// browser session: another tab is another client and needs a token of its own.
// A duplicated tab (Chrome's "Duplicate", which copies sessionStorage) must not take the control
// its original still holds (the server would close the original with 4009): the ticket is kept
// with the id of the tab that earned it, and a page that loads with a kept ticket first asks the
// other pages on a BroadcastChannel whether a live one has that tab id. The original answers; the
// copy then forgets its copy of the ticket, takes a tab id of its own and comes up read-only. A
// reload (the old page gone before the new one runs) gets no answer and resumes.
// Each ticket is presented with an `attempt` nonce the page made for it (kept with it): a resume
// whose answer was lost (the connection dropped, or the tab reloaded, before it came) is presented
// again with the same attempt and the server resumes it (`repeated`), instead of refusing it as a
// used (stolen) ticket; a ticket someone else used first is still refused, loudly.
// `window.__dashboard` counts what tests look for.
import { decodeFrame } from '/dist/engine/client/frame-decoder.js';

const TOPICS = ['state', 'orders', 'fills', 'regime', 'risk', 'health'];
const EVENT_TOPICS = new Set(['fills', 'orders']);
/** What the page declares it understands (engine/client protocol.ts CLIENT_CAPABILITIES): the server sends tickets only then. */
const CAPABILITIES = ['ticket'];
const MAX_ROWS = 50;
const MAX_TOASTS = 4;
const TOAST_MS = 6000;
const FIT_POINTS = 3000;

const stats = { controlResumes: 0, controlLost: 0, duplicateTabs: 0, connected: false, stateFrames: 0, fills: 0, toasts: 0, equityPoints: 0, notifications: 0, reconnects: 0, killSwitchTrips: 0, healthFrames: 0, feedWarnings: 0, feedRecoveries: 0, feeds: [], stopLossHits: 0, exitFills: 0 };
window.__dashboard = stats;

const $ = (id) => document.getElementById(id);
/** `x` to `digits` decimals, a residual such as -1e-10 (an account's float arithmetic) as 0: it reads 0.00, not a red -0.00. */
const rounded = (x, digits) => Math.round(x * 10 ** digits) / 10 ** digits || 0;
const money = (x) => (x === null || x === undefined || Number.isNaN(x) ? '—' : rounded(x, 2).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
const qty = (x) => (x === null || x === undefined ? '—' : rounded(x, 6).toLocaleString('en-US', { maximumFractionDigits: 6 }));
const pct = (x) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(2)}%`);
const timeOf = (ns) => (ns > 0n ? new Date(Number(ns / 1_000_000n)).toISOString().replace('T', ' ').slice(0, 19) : '—');
const signClass = (x) => (x > 0 ? 'up' : x < 0 ? 'down' : '');
/** The colour of an amount (quantity) as shown: none for one that reads 0. */
const moneyClass = (x) => signClass(rounded(x, 2));
const qtyClass = (x) => signClass(rounded(x, 6));

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function fillTable(tableId, rows) {
  const body = $(tableId).tBodies[0];
  body.replaceChildren(...rows.map((cells) => {
    const tr = document.createElement('tr');
    tr.append(...cells);
    return tr;
  }));
}

/** Words for an order rule (engine/orders OrderRuleName); '' for none or an unknown one. */
const RULE_WORDS = {
  STRATEGY: 'strategy', STOP: 'stop', ATR_STOP: 'ATR stop', TRAILING_STOP: 'trailing stop', TARGET_1: 'target 1', TARGET_2: 'target 2', TARGET_3: 'target 3',
  TARGET_4: 'target 4', MAX_HOLD: 'max hold', MANUAL: 'manual',
};
const STOP_RULES = new Set(['STOP', 'ATR_STOP', 'TRAILING_STOP']);
const EXIT_RULES = new Set(['TARGET_1', 'TARGET_2', 'TARGET_3', 'TARGET_4', 'MAX_HOLD']);
const ruleWords = (rule) => RULE_WORDS[rule] ?? (rule ? rule.toLowerCase() : '');
/** Words for why an order was canceled, rejected or expired (its statusReason); an unknown reason as it came, none as '—'. */
const REASON_WORDS = {
  requested: 'canceled on request',
  unfilled: 'nothing filled at once (IOC / FOK remainder)',
  'reduce-only': 'reduce-only, no position left to reduce',
  invalid: 'invalid or unsupported order',
  'post-only': 'post-only, would have taken liquidity',
  'unknown-order': 'the venue does not hold the order',
  full: "the venue's book is full",
  'duplicate-client-order-id': 'its client order id was sent before (never reached the venue)',
  'lost-before-venue': 'never reached the venue (found by reconciliation)',
  'withheld-by-kill-switch': 'not sent: decided before the kill switch tripped',
  'time-in-force': 'its time in force ran out',
  'post-only-would-take': 'post-only, would have taken liquidity',
  reconciled: "closed by the venue's order status (reconciliation)",
};
const ENDED = new Set(['canceled', 'rejected', 'expired']);
const reasonWords = (o) => (ENDED.has(o.status) && o.statusReason ? REASON_WORDS[o.statusReason] ?? o.statusReason.replaceAll('-', ' ') : '—');
const fillWords = (f) => `${f.side.toUpperCase()} ${qty(f.quantity)} ${symbolOf(f.instrumentId)} @ ${money(f.price)}`;

// ---- model -------------------------------------------------------------------------------
const symbols = new Map();
const regimes = new Map();
const orders = new Map();
let fills = [];
const fillKeys = new Set();
let lastState = null;
let lastRisk = null;
let tripped = null;
const symbolOf = (id) => symbols.get(id) ?? `#${id}`;

// ---- equity chart ------------------------------------------------------------------------
const chart = LightweightCharts.createChart($('equity-chart'), {
  autoSize: true,
  layout: { background: { color: '#1a2029' }, textColor: '#d8dee9' },
  grid: { vertLines: { color: '#242b36' }, horzLines: { color: '#242b36' } },
  timeScale: { timeVisible: true, secondsVisible: false },
  rightPriceScale: { borderColor: '#2c3440' },
});
const equitySeries = chart.addSeries(LightweightCharts.LineSeries, { color: '#26a69a', lineWidth: 2, priceLineVisible: true });
let lastChartTime = 0;

function plotEquity(timeNs, equity) {
  const time = Number(timeNs / 1_000_000_000n);
  if (time <= 0 || time < lastChartTime) return;
  equitySeries.update({ time, value: equity });
  if (time > lastChartTime) stats.equityPoints += 1;
  lastChartTime = time;
  // The whole run in view until it is too long to read; then the user scrolls (latest on the right).
  if (stats.equityPoints <= FIT_POINTS) chart.timeScale().fitContent();
}

// ---- notifications -------------------------------------------------------------------------
const notifications = [];
let nextNotification = 1;

function notify(text, { critical = false, kind = 'info' } = {}) {
  const entry = { id: nextNotification++, text, critical, kind, read: false, at: new Date() };
  notifications.unshift(entry);
  if (notifications.length > 200) notifications.length = 200;
  stats.notifications += 1;
  if (critical) toast(text, kind);
  renderNotifications();
}

/** A critical toast; a kill-switch trip's is sticky: no timeout, never pushed out by newer toasts. */
function toast(text, kind) {
  stats.toasts += 1;
  const sticky = kind === 'kill-switch' || kind === 'control-lost';
  const box = $('toasts');
  const el = document.createElement('div');
  el.className = `toast critical ${kind}`;
  el.dataset.kind = kind;
  if (sticky) el.dataset.sticky = 'true';
  const span = document.createElement('span');
  span.textContent = text;
  const close = document.createElement('button');
  close.type = 'button';
  close.textContent = '×';
  close.onclick = () => el.remove();
  el.append(span, close);
  box.prepend(el);
  const passing = () => [...box.children].filter((t) => t.dataset.sticky !== 'true');
  while (box.children.length > MAX_TOASTS && passing().length > 0) passing().at(-1).remove();
  if (!sticky) setTimeout(() => el.remove(), TOAST_MS);
}

function renderNotifications() {
  const unread = notifications.filter((n) => !n.read).length;
  const badge = $('bell-count');
  badge.textContent = String(unread);
  badge.hidden = unread === 0;
  $('notification-list').replaceChildren(...notifications.map((n) => {
    const li = document.createElement('li');
    if (!n.read) li.className = 'unread';
    li.dataset.kind = n.kind;
    const span = document.createElement('span');
    span.textContent = `${n.critical ? '● ' : ''}${n.text}`;
    const when = document.createElement('time');
    when.textContent = n.at.toLocaleTimeString();
    span.append(when);
    const actions = document.createElement('div');
    const read = document.createElement('button');
    read.type = 'button';
    read.textContent = n.read ? 'unread' : 'read';
    read.onclick = () => { n.read = !n.read; renderNotifications(); };
    const dismiss = document.createElement('button');
    dismiss.type = 'button';
    dismiss.textContent = 'dismiss';
    dismiss.onclick = () => { notifications.splice(notifications.indexOf(n), 1); renderNotifications(); };
    actions.append(read, dismiss);
    li.append(span, actions);
    return li;
  }));
}

$('bell').onclick = () => { $('notifications').hidden = !$('notifications').hidden; };
$('read-all').onclick = () => { for (const n of notifications) n.read = true; renderNotifications(); };
$('dismiss-all').onclick = () => { notifications.length = 0; renderNotifications(); };

// ---- rendering -----------------------------------------------------------------------------
function renderState(state) {
  $('mode').textContent = state.mode;
  $('equity').textContent = money(state.equity);
  $('cash').textContent = money(state.cash);
  $('realized').textContent = money(state.realizedPnl);
  $('realized').className = moneyClass(state.realizedPnl);
  $('unrealized').textContent = money(state.unrealizedPnl);
  $('unrealized').className = moneyClass(state.unrealizedPnl);
  $('hwm').textContent = money(state.equityHighWaterMark);
  renderPositions();
}

function renderPositions() {
  if (!lastState) return;
  fillTable('positions', lastState.positions.map((p) => [
    cell(p.symbol), cell(qty(p.quantity), qtyClass(p.quantity)), cell(rounded(p.quantity, 6) === 0 ? '—' : money(p.averagePrice)), cell(money(p.markPrice)),
    cell(money(p.unrealizedPnl), moneyClass(p.unrealizedPnl)), cell(money(p.realizedPnl), moneyClass(p.realizedPnl)), cell(regimes.get(p.instrumentId) ?? '—'),
  ]));
}

function renderRisk(risk) {
  const ks = $('kill-switch');
  ks.textContent = risk.killSwitchTripped ? `TRIPPED: ${risk.killSwitchReason}` : 'armed';
  ks.className = risk.killSwitchTripped ? 'tripped' : 'ok';
  $('drawdown').textContent = pct(risk.drawdown);
  $('max-drawdown').textContent = pct(risk.maxDrawdown);
  $('gross').textContent = money(risk.grossExposure);
  $('net').textContent = money(risk.netExposure);
  $('denied').textContent = String(risk.deniedOrders);
  const paused = risk.pausedStrategies ?? [];
  $('paused').textContent = paused.length > 0 ? paused.join(', ') : 'none';
  $('paused').className = paused.length > 0 ? 'tripped' : 'ok';
}

function renderOrders() {
  const recent = [...orders.values()].sort((a, b) => (a.updatedTimeNs < b.updatedTimeNs ? 1 : a.updatedTimeNs > b.updatedTimeNs ? -1 : 0)).slice(0, MAX_ROWS);
  fillTable('orders', recent.map((o) => [
    cell(o.clientOrderId), cell(o.symbol || symbolOf(o.instrumentId)), cell(o.side, o.side), cell(o.rule && o.rule !== 'STRATEGY' ? `${o.orderType} (${ruleWords(o.rule)})` : o.orderType), cell(qty(o.quantity)), cell(qty(o.filledQuantity)),
    cell(o.averageFillPrice === null ? '—' : money(o.averageFillPrice)), cell(o.status), cell(reasonWords(o), 'why'),
  ]));
}

function renderFills() {
  fillTable('fills', fills.slice(0, MAX_ROWS).map((f) => [
    cell(timeOf(f.timeNs)), cell(symbolOf(f.instrumentId)), cell(f.side, f.side), cell(qty(f.quantity)), cell(money(f.price)), cell(money(f.fee)), cell(f.clientOrderId),
  ]));
}

// ---- feed health ---------------------------------------------------------------------------
const feedMasks = new Map();
const feedCondition = (f) => (f.conditionMask === 0 ? 'ok' : f.conditions.join(', ') || `mask ${f.conditionMask}`);

function renderFeeds(health) {
  $('health-status').textContent = health.status;
  $('health-status').className = `decision-time ${health.status === 'ok' ? 'up' : 'down'}`;
  if (health.feeds.length === 0) {
    fillTable('feeds', [[cell('no instrument feeds in this session')]]);
    return;
  }
  const body = $('feeds').tBodies[0];
  body.replaceChildren(...health.feeds.map((f) => {
    const tr = document.createElement('tr');
    tr.dataset.instrument = String(f.instrumentId);
    if (f.conditionMask !== 0) tr.className = 'degraded';
    tr.append(cell(f.symbol || symbolOf(f.instrumentId)), cell(feedCondition(f)), cell(f.action === 'ok' ? 'none' : f.action, 'action'), cell(f.conditionMask === 0 ? '—' : timeOf(f.sinceNs)));
    return tr;
  }));
}

/** Bell entries when a feed goes degraded (warning), changes condition (warning) or recovers (info). */
function noticeFeeds(health) {
  for (const f of health.feeds) {
    const before = feedMasks.get(f.instrumentId) ?? 0;
    feedMasks.set(f.instrumentId, f.conditionMask);
    if (before === f.conditionMask) continue;
    const name = f.symbol || symbolOf(f.instrumentId);
    if (f.conditionMask === 0) {
      stats.feedRecoveries += 1;
      notify(`feed ${name} recovered: no feed condition, trading as normal`, { kind: 'info' });
    } else {
      stats.feedWarnings += 1;
      notify(`feed ${name} ${before === 0 ? 'degraded' : 'now'}: ${feedCondition(f)}; policy ${f.action}`, { kind: 'warning' });
    }
  }
}

// ---- topic handlers ------------------------------------------------------------------------
const handlers = {
  state(update) {
    stats.stateFrames += 1;
    lastState = update.payload;
    for (const p of lastState.positions) symbols.set(p.instrumentId, p.symbol);
    renderState(lastState);
    plotEquity(update.timeNs, lastState.equity);
  },
  orders(update) {
    if (update.kind === 'snapshot') orders.clear();
    for (const o of update.payload.orders) {
      if (o.symbol) symbols.set(o.instrumentId, o.symbol);
      const before = orders.get(o.orderId);
      orders.set(o.orderId, o);
      if (update.kind === 'delta' && o.status === 'rejected' && before?.status !== 'rejected') notify(`order ${o.clientOrderId} ${o.side} ${qty(o.quantity)} ${o.symbol} rejected${o.statusReason ? `: ${reasonWords(o)}` : ''}`);
    }
    if (orders.size > 2000) for (const id of [...orders.keys()].slice(0, orders.size - 2000)) orders.delete(id);
    renderOrders();
  },
  fills(update, context) {
    const fresh = [];
    for (const f of update.payload.fills) {
      const key = `${f.orderId}/${f.tradeId}`;
      if (fillKeys.has(key)) continue;
      fillKeys.add(key);
      fresh.push(f);
    }
    stats.fills += fresh.length;
    fills = [...fresh.reverse(), ...fills].slice(0, 1000);
    renderFills();
    if (fresh.length === 0) return;
    if (update.kind === 'delta') {
      // Stop-loss hits toast one by one (oldest first), target and max-hold exits go to the bell.
      const plain = [];
      for (const f of [...fresh].reverse()) {
        if (STOP_RULES.has(f.rule)) {
          stats.stopLossHits += 1;
          notify(`stop-loss hit: ${fillWords(f)} (${ruleWords(f.rule)})`, { critical: true, kind: 'stop-loss' });
        } else if (EXIT_RULES.has(f.rule)) {
          stats.exitFills += 1;
          notify(`${f.rule === 'MAX_HOLD' ? 'max-hold exit' : `${ruleWords(f.rule)} hit`}: ${fillWords(f)}`, { kind: 'info' });
        } else {
          plain.unshift(f);
        }
      }
      if (plain.length === 0) return;
      const f = plain[0];
      notify(plain.length === 1
        ? `fill: ${f.side} ${qty(f.quantity)} ${symbolOf(f.instrumentId)} @ ${money(f.price)}`
        : `${plain.length} fills, last ${f.side} ${qty(f.quantity)} ${symbolOf(f.instrumentId)} @ ${money(f.price)}`, { critical: true, kind: 'fill' });
    } else if (context.backfill) {
      // A stop-loss hit while the page was away (a reconnect, a gap) is as critical as a live one: it toasts too.
      for (const f of [...fresh].reverse()) {
        if (!STOP_RULES.has(f.rule)) continue;
        stats.stopLossHits += 1;
        notify(`stop-loss hit (while disconnected): ${fillWords(f)} (${ruleWords(f.rule)})`, { critical: true, kind: 'stop-loss' });
      }
      notify(`${fresh.length} fills backfilled after the reconnect`);
    }
  },
  regime(update) {
    for (const r of update.payload.regimes) regimes.set(r.instrumentId, r.mostLikelyLabel || '—');
    renderPositions();
  },
  risk(update) {
    lastRisk = update.payload;
    renderRisk(lastRisk);
    if (lastRisk.killSwitchTripped && tripped !== true) {
      stats.killSwitchTrips += 1;
      notify(`kill switch TRIPPED: ${lastRisk.killSwitchReason}`, { critical: true, kind: 'kill-switch' });
    }
    else if (!lastRisk.killSwitchTripped && tripped === true) notify('kill switch reset: trading may add exposure again');
    tripped = lastRisk.killSwitchTripped;
  },
  health(update) {
    stats.healthFrames += 1;
    const health = update.payload;
    stats.feeds = health.feeds.map((f) => ({ instrumentId: f.instrumentId, symbol: f.symbol, condition: feedCondition(f), action: f.action }));
    renderFeeds(health);
    noticeFeeds(health);
  },
};

// ---- connection (the engine/client protocol) ------------------------------------------------
const topicState = new Map(TOPICS.map((topic) => [topic, { last: null, resyncing: true, backfill: false }]));
const pendingControls = new Map();
let socket = null;
let attempts = 0;
let everOpened = false;
let nextControlId = 1;
/** The epoch of the server's sequences (its last `subscribed`), sent with `since`: a restarted server counts again. */
let serverEpoch = null;
/** Where the tab keeps its resume ticket across reloads (sessionStorage: this tab only, gone with it). */
const TICKET_KEY = 'quantflow.dashboard.resumeTicket';
/** The stored { ticket, who, attempt } of this tab, or null (none, unreadable, or storage disabled). */
function storedTicket() {
  try {
    const kept = JSON.parse(sessionStorage.getItem(TICKET_KEY) ?? 'null');
    return typeof kept?.ticket === 'string' && typeof kept?.who === 'string' && typeof kept?.attempt === 'string' ? kept : null;
  } catch {
    return null;
  }
}
/** The resume ticket of the control this page holds (the server's latest `ticket`, or the one a reload of this tab kept); null: none. */
let resumeTicket = storedTicket()?.ticket ?? null;
/** The page's nonce for resumeTicket, sent with every presentation of it. */
let resumeAttempt = storedTicket()?.attempt ?? '';
/** The id of the tab the kept ticket belongs to (kept with it: a reload of the tab keeps it, a duplicate's copy is found out by the original). */
let tabId = storedTicket()?.tab ?? newAttempt();
/** Where pages of this origin ask whether the tab of a kept ticket is still open (null: no BroadcastChannel). */
const controlChannel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('quantflow.dashboard.control') : null;
/** How long a page with a kept ticket waits for another page to say it is that ticket's tab, ms. */
const CLAIM_WAIT_MS = 300;
/** This page is still asking (it must not answer for a tab id it is itself finding out about). */
let claiming = false;
if (controlChannel) {
  controlChannel.onmessage = ({ data }) => {
    if (data?.op === 'tab-open?' && !claiming && data.tab === tabId) controlChannel.postMessage({ op: 'tab-open', tab: tabId });
  };
}
/** Resolves true when another live page answers that it is tab `tab` (this page is its duplicate), false after CLAIM_WAIT_MS. */
function otherPageIsTab(tab) {
  if (!controlChannel) return Promise.resolve(false);
  return new Promise((resolve) => {
    const asking = new BroadcastChannel('quantflow.dashboard.control');
    const done = (open) => {
      clearTimeout(timer);
      asking.close();
      resolve(open);
    };
    const timer = setTimeout(() => done(false), CLAIM_WAIT_MS);
    asking.onmessage = ({ data }) => { if (data?.op === 'tab-open' && data.tab === tab) done(true); };
    asking.postMessage({ op: 'tab-open?', tab });
  });
}
/** 16 random bytes, base64url (22 characters). */
function newAttempt() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
/** Keeps `ticket` (null: forgets it), with a new attempt nonce, for this page and a reload of this tab. */
function keepTicket(ticket, who) {
  resumeTicket = ticket;
  resumeAttempt = ticket === null ? '' : newAttempt();
  try {
    if (ticket === null) sessionStorage.removeItem(TICKET_KEY);
    else sessionStorage.setItem(TICKET_KEY, JSON.stringify({ ticket, who, attempt: resumeAttempt, tab: tabId }));
  } catch {
    // Storage disabled: the ticket still serves reconnects of this page.
  }
}
/** A `resume` awaits the server's answer. */
let resuming = false;
/** Who this page's connection acts as (its token bound to it, or resumed); null: read-only. */
let controlHolder = null;

function setControlHolder(who, text) {
  controlHolder = who;
  $('control-holder').textContent = text ?? (who === null ? 'read-only' : `${who} (kept across reconnects)`);
  $('control-holder').className = who === null ? '' : 'ok';
}

/** Control is gone (a refused ticket, or taken over): loud, and the spent token is cleared from the form. */
function controlLost(text) {
  stats.controlLost += 1;
  keepTicket(null);
  $('token').value = '';
  setControlHolder(null, 'read-only: paste a new control token');
  notify(text, { critical: true, kind: 'control-lost' });
}

function send(message) {
  if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function subscribe(topic) {
  const state = topicState.get(topic);
  state.resyncing = true;
  const since = topic === 'fills' && state.last !== null ? { since: state.last.toString(), ...(serverEpoch !== null ? { epoch: serverEpoch } : {}) } : {};
  state.backfill = 'since' in since;
  send({ op: 'subscribe', topic, ...since });
}

function setConnected(connected, text) {
  stats.connected = connected;
  const el = $('connection');
  el.textContent = text;
  el.className = `connection ${connected ? 'connected' : 'disconnected'}`;
}

function connect() {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`;
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  socket = ws;
  ws.onopen = () => {
    const reconnected = everOpened;
    everOpened = true;
    attempts = 0;
    setConnected(true, 'live');
    if (reconnected) {
      stats.reconnects += 1;
      notify('reconnected to the state server: re-subscribed (fills backfilled from the last sequence)');
    }
    // Control first: a control action sent from here on is judged after the resume.
    if (resumeTicket !== null) {
      resuming = true;
      send({ op: 'resume', ticket: resumeTicket, attempt: resumeAttempt, capabilities: CAPABILITIES });
    }
    for (const topic of TOPICS) subscribe(topic);
  };
  ws.onmessage = (event) => (typeof event.data === 'string' ? onReply(JSON.parse(event.data)) : onFrame(event.data));
  ws.onclose = (event) => {
    if (socket === ws) socket = null;
    // A resume cut off before its answer is presented again on the next connection.
    resuming = false;
    if (controlHolder !== null) setControlHolder(null, `${controlHolder}: resuming after the reconnect…`);
    if (event.code === 4009) controlLost(`control LOST: ${event.reason || 'another connection resumed this page\'s control'}`);
    for (const [, settle] of pendingControls) settle({ ok: false, message: `the connection closed (${event.code}) before the server answered` });
    pendingControls.clear();
    attempts += 1;
    const delay = Math.min(5000, 250 * 2 ** (attempts - 1));
    if (everOpened && stats.connected) notify(`disconnected from the state server (${event.code}${event.reason ? `: ${event.reason}` : ''}); reconnecting`);
    setConnected(false, `disconnected: retry in ${(delay / 1000).toFixed(1)} s`);
    setTimeout(connect, delay);
  };
}

function onFrame(data) {
  let update;
  try {
    update = decodeFrame(new Uint8Array(data));
  } catch (error) {
    notify(`could not decode a frame: ${error.message}`);
    return;
  }
  const state = topicState.get(update.topic);
  if (!state) return;
  const context = { backfill: false };
  if (update.kind === 'snapshot') {
    state.resyncing = false;
    context.backfill = state.backfill;
    state.backfill = false;
  } else {
    if (state.resyncing) return;
    if (state.last !== null && update.sequence <= state.last) return;
    if (state.last !== null && update.sequence !== state.last + 1n && EVENT_TOPICS.has(update.topic)) {
      notify(`${update.topic}: frames ${state.last + 1n}..${update.sequence - 1n} were missed; re-subscribing`);
      subscribe(update.topic);
      return;
    }
  }
  state.last = update.sequence;
  handlers[update.topic](update, context);
}

/**
 * The server restarted (another epoch: a new session counting sequences, order and trade ids and
 * engine time from the start again): the old session's fills, orders, regimes, feeds and equity
 * line are put away, else the new session's fills would be hidden as already seen (same order
 * and trade ids) and its equity never charted (its time is before the old session's last point).
 * Called on the first `subscribed` of the new server, before any of its Snapshots.
 */
function startNewSession() {
  fills = [];
  fillKeys.clear();
  orders.clear();
  regimes.clear();
  symbols.clear();
  feedMasks.clear();
  lastState = null;
  lastRisk = null;
  tripped = null;
  equitySeries.setData([]);
  lastChartTime = 0;
  stats.equityPoints = 0;
  renderFills();
  renderOrders();
  notify('the state server restarted (a new session): fills, orders and the equity chart start afresh');
}

function onReply(message) {
  switch (message.type) {
    case 'subscribed':
      if (typeof message.epoch === 'string') {
        if (serverEpoch !== null && message.epoch !== serverEpoch) startNewSession();
        serverEpoch = message.epoch;
      }
      if (message.backfill === 'partial') notify(`${message.topic}: the server's backlog no longer covers the outage; some fills are missing here`);
      return;
    case 'control': {
      const settle = pendingControls.get(message.id);
      pendingControls.delete(message.id);
      settle?.(message);
      return;
    }
    case 'error':
      notify(`server: ${message.code}: ${message.message}`);
      return;
    case 'ticket':
      keepTicket(message.ticket, message.who);
      setControlHolder(message.who);
      return;
    case 'auth':
      if (!resuming) return;
      resuming = false;
      keepTicket(null); // spent: the `ticket` that follows a resume is the next one
      if (message.ok) {
        stats.controlResumes += 1;
        setControlHolder(message.who);
        const lost = message.repeated ? '; the answer to its first try was lost with the connection' : '';
        notify(`control resumed as ${message.who} after the reconnect or reload (no new token needed${lost})`);
      } else {
        controlLost(`control NOT resumed after the reconnect: ${message.message}`);
      }
      return;
    default:
  }
}

// ---- control: the Risk card's forms (a signed token for each action) -------------------------
/**
 * Sends `action` with the token of the form and shows the answer in `out`: `missing` says what is
 * required when `ready` is false; `applied(reply)` words an accepted reply, `label` a refused one.
 */
function sendControl(action, out, { ready, missing, applied, label }) {
  const token = $('token').value.trim();
  // With no token in the form, a connection holding control (resumed) acts under it.
  if ((token === '' && controlHolder === null) || !ready) {
    out.textContent = missing;
    out.className = 'error';
    return;
  }
  if (!stats.connected) {
    out.textContent = 'not connected';
    out.className = 'error';
    return;
  }
  const id = nextControlId++;
  out.textContent = 'sent…';
  out.className = '';
  pendingControls.set(id, (reply) => {
    out.textContent = reply.ok ? applied(reply) : `refused: ${reply.message}`;
    out.className = reply.ok ? 'ok' : 'error';
    notify(reply.ok ? `${label} accepted (by ${reply.who})` : `${label} refused: ${reply.message}`);
  });
  // A token binds to this connection, which then earns a resume ticket: say the page understands them.
  send(token === '' ? { op: 'control', id, action } : { op: 'control', id, action, token, capabilities: CAPABILITIES });
}

$('reset-form').onsubmit = (event) => {
  event.preventDefault();
  const reason = $('reason').value.trim();
  sendControl({ kind: 'kill-switch-reset', reason }, $('reset-result'), {
    ready: reason !== '', missing: 'a signed control token and a reason are required',
    applied: (reply) => `kill switch reset by ${reply.who}`, label: 'kill-switch reset',
  });
};

// Pause / resume a strategy: no new exposure while paused (the same token and reason fields).
$('pause-form').onsubmit = (event) => {
  event.preventDefault();
  const kind = event.submitter?.value === 'resume-strategy' ? 'resume-strategy' : 'pause-strategy';
  const verb = kind === 'pause-strategy' ? 'pause' : 'resume';
  const strategy = $('pause-strategy').value.trim();
  const reason = $('reason').value.trim();
  sendControl(reason === '' ? { kind, strategy } : { kind, strategy, reason }, $('pause-result'), {
    ready: strategy !== '', missing: 'a signed control token (above) and a strategy name are required',
    applied: (reply) => `${strategy}: ${verb} applied (by ${reply.who})`, label: `${verb} ${strategy}`,
  });
};

// A reload of this tab while it held control: said until the resume is answered. A duplicate of a
// tab that is still open (its copy of the ticket) does not resume: it starts read-only.
const kept = storedTicket();
if (kept === null) connect();
else {
  setControlHolder(null, `${kept.who}: resuming after the reload…`);
  claiming = true;
  void otherPageIsTab(kept.tab ?? '').then((duplicate) => {
    claiming = false;
    if (duplicate) {
      stats.duplicateTabs += 1;
      keepTicket(null);
      tabId = newAttempt();
      setControlHolder(null);
      notify(`this tab is a copy of another open dashboard tab (duplicated): ${kept.who}'s control stays with that tab; this one is read-only until a control token is pasted`);
    }
    connect();
  });
}
