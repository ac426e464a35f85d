// What the one-topic dashboard pages (latency.html, model.html, signals.html) share: DOM helpers,
// and the connection that subscribes to the page's topic (or topics: signals.html also follows
// `risk`) over the page's own host, hands each decoded payload to the page's renderer, shows the connection state in #connection, and reconnects with
// backoff (250 ms doubling to 5 s), subscribing again. A server that answers with another epoch
// than before restarted (a new session): `onNewServer` lets the page put the old one's views away.
// A topic nothing was published on yet (`subscribed.snapshot` false: a session without a model
// has no models topic) calls `onEmpty`, so the page can say so instead of waiting in silence.
import { decodeFrame } from '/dist/engine/client/frame-decoder.js';

export const $ = (id) => document.getElementById(id);

export function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

/**
 * Follows `topic` (a name, or an array of names): `render(payload, topicName)` for each frame of them; `stats.connected` tracks the socket
 * (tests read it); `onNewServer()` runs when a reconnect reaches a restarted server, before its Snapshot.
 */
export function followTopic(topic, stats, render, { onNewServer, onEmpty } = {}) {
  const topics = Array.isArray(topic) ? topic : [topic];
  let attempts = 0;
  let epoch = null;
  const connect = () => {
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`);
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      attempts = 0;
      stats.connected = true;
      $('connection').textContent = 'live';
      $('connection').className = 'connection connected';
      for (const name of topics) ws.send(JSON.stringify({ op: 'subscribe', topic: name }));
    };
    ws.onmessage = (event) => {
      if (typeof event.data === 'string') {
        const reply = JSON.parse(event.data);
        if (reply.type === 'subscribed' && typeof reply.epoch === 'string') {
          if (epoch !== null && reply.epoch !== epoch) onNewServer?.();
          epoch = reply.epoch;
        }
        if (reply.type === 'subscribed' && topics.includes(reply.topic) && reply.snapshot === false) onEmpty?.(reply.topic);
        return;
      }
      const update = decodeFrame(new Uint8Array(event.data));
      if (topics.includes(update.topic)) render(update.payload, update.topic);
    };
    ws.onclose = () => {
      stats.connected = false;
      attempts += 1;
      const delay = Math.min(5000, 250 * 2 ** (attempts - 1));
      $('connection').textContent = `disconnected: retry in ${(delay / 1000).toFixed(1)} s`;
      $('connection').className = 'connection disconnected';
      setTimeout(connect, delay);
    };
  };
  connect();
}
