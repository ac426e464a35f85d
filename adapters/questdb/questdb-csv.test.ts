import { describe, expect, it } from 'vitest';
import { CsvDecodeError, CsvRecordDecoder, parseDecimal, REPLAY_KIND_FLAGS, writeUsAsNs } from './questdb-csv.js';
import { loadEventRecord, f64Bits } from '../../engine/layout/event-record.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

function decodeAll(decoder: CsvRecordDecoder, text: string, chunkSize = 7): ReturnType<typeof loadEventRecord>[] {
  // Feed the export in small chunks, carrying unconsumed tails, as the stream does.
  const all = bytes(text);
  const out: ReturnType<typeof loadEventRecord>[] = [];
  let tail = new Uint8Array(0);
  const drain = (): void => {
    const view = new DataView(decoder.bytes.buffer);
    for (let i = 0; i < decoder.count; i++) out.push(loadEventRecord(view, i * 64));
    decoder.nextBlock();
  };
  for (let i = 0; i < all.length; i += chunkSize) {
    const chunk = new Uint8Array(tail.length + Math.min(chunkSize, all.length - i));
    chunk.set(tail);
    chunk.set(all.subarray(i, i + chunkSize), tail.length);
    let pos = 0;
    for (;;) {
      pos = decoder.decode(chunk, pos);
      if (!decoder.full) break;
      drain();
    }
    tail = chunk.slice(pos);
  }
  decoder.finish(tail.length);
  drain();
  return out;
}

describe('parseDecimal', () => {
  it('gives the double the text names, on the fast and the slow path', () => {
    const cases = ['61837.63', '0.00009', '-1', '0', '-0.0', '1.0E-7', '1.2345678901234568E17', '0.3333333333333333', '5.0E-324', '1.7976931348623157E308', '100.0', '2683.8', '123456789012345', '1e22', '1e23'];
    for (const text of cases) {
      const b = bytes(text);
      expect(Object.is(parseDecimal(b, 0, b.length), Number(text)), text).toBe(true);
    }
    const b = bytes('');
    expect(parseDecimal(b, 0, 0)).toBeNaN();
    expect(parseDecimal(bytes('abc'), 0, 3)).toBeUndefined();
  });

  it('round-trips random doubles printed shortest', () => {
    let s = 12345;
    for (let i = 0; i < 20000; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const x = (s / 2 ** 32) * 10 ** ((i % 40) - 20) * (i % 3 === 0 ? -1 : 1);
      const text = String(x).replace('e', 'E');
      const b = bytes(text);
      expect(parseDecimal(b, 0, b.length), text).toBe(x);
    }
  });
});

describe('writeUsAsNs', () => {
  it('writes µs * 1000 exactly as an i64', () => {
    const u32 = new Uint32Array(2);
    for (const us of [0, 1, 999, 4294967295, 4294967296, 1_723_161_255_342_123, 9_007_199_254_740_991]) {
      writeUsAsNs(u32, 0, us);
      expect(new DataView(u32.buffer).getBigInt64(0, true), String(us)).toBe(BigInt(us) * 1000n);
    }
  });
});

describe('CsvRecordDecoder', () => {
  it('decodes a trades export (CRLF, quoted header, NULL id) into TRADE records', () => {
    const text = '"price","size","side","trade_id","ts_us"\r\n61837.63,0.02,-1,3735683259,1723161255342000\r\n61837.64,1.0E-5,1,,1723161255342001\r\n';
    const records = decodeAll(new CsvRecordDecoder({ kind: 'trades', recvTs: false }, 3, 1), text);
    expect(records).toEqual([
      { kind: REPLAY_KIND_FLAGS.trades, instrument: 3, tsExchange: 1_723_161_255_342_000_000n, tsLocal: 1_723_161_255_342_000_000n, price: 61837.63, size: 0.02, a: -1, b: 0, id: 3_735_683_259n },
      { kind: REPLAY_KIND_FLAGS.trades, instrument: 3, tsExchange: 1_723_161_255_342_001_000n, tsLocal: 1_723_161_255_342_001_000n, price: 61837.64, size: 0.00001, a: 1, b: 0, id: 0n },
    ]);
  });

  it('decodes quotes with a receive time and bars with their interval', () => {
    const quotes = decodeAll(new CsvRecordDecoder({ kind: 'quotes', recvTs: true }, 0, 4), '"bid","ask","bid_size","ask_size","ts_us","recv_us"\r\n100.5,100.75,2,3.25,10,12\r\n');
    expect(quotes[0]).toMatchObject({ tsExchange: 10_000n, tsLocal: 12_000n, price: 100.625, size: 2, a: 100.5, b: 100.75, id: f64Bits(3.25) });
    const bars = decodeAll(new CsvRecordDecoder({ kind: 'bars', recvTs: false, intervalUs: 60_000_000 }, 1, 2), '"open","high","low","close","volume","ts_us"\r\n10,12,9,11,1000.5,60000000\r\n');
    expect(bars[0]).toMatchObject({ kind: REPLAY_KIND_FLAGS.bars, tsExchange: 60_000_000_000n, tsLocal: 120_000_000_000n, price: 11, size: 1000.5, a: 12, b: 9, id: f64Bits(10) });
  });

  it('refuses a cut-short export, a wrong header, a non-number and time going back', () => {
    const header = '"price","size","side","trade_id","ts_us"\r\n';
    const decoder = (): CsvRecordDecoder => new CsvRecordDecoder({ kind: 'trades', recvTs: false }, 0, 16);
    expect(() => decodeAll(decoder(), `${header}1,2,1,3,4\r\n1,2,1`)).toThrow(/must end with a line break/);
    expect(() => decodeAll(decoder(), '"price","size"\r\n')).toThrow(CsvDecodeError);
    expect(() => decodeAll(decoder(), `${header}x,2,1,3,4\r\n`)).toThrow(/`price` must be a number, was "x"/);
    expect(() => decodeAll(decoder(), `${header}1,2,1,3,5\r\n1,2,1,3,4\r\n`)).toThrow(/must not go back in time/);
    expect(() => decodeAll(decoder(), `${header}1,2,1,3\r\n`)).toThrow(/must be 5 comma-separated fields/);
    expect(() => decodeAll(decoder(), '')).toThrow(/the export was empty/);
  });
});
