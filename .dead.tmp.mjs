import { Sender } from '@questdb/nodejs-client';
const s = await Sender.fromConfig('http::addr=127.0.0.1:9;auto_flush=off;protocol_version=2;retry_timeout=200;request_timeout=3000;', { log: (l, m) => console.log('log', l, String(m)) });
s.table('x').floatColumn('a', 1); await s.at(1n, 'us');
const t = Date.now();
try { await s.flush(); console.log('flushed?'); } catch (e) { console.log('error after', Date.now() - t, e.message); }
