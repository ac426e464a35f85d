// Unit tests for time parsing: epoch magnitudes, ISO offsets, naive times in a zone across DST, ns exactness.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findTimeColumn, TimeCellParser } from './time-column.js';
import { UnknownTimeZoneError } from './zone-clock.js';

const utc = new TimeCellParser();
const newYork = new TimeCellParser('America/New_York');
const london = new TimeCellParser('Europe/London');

/** ns since the epoch of an ISO instant, computed by Date (ms precision) as an independent oracle. */
const isoNs = (iso: string): bigint => BigInt(Date.parse(iso)) * 1_000_000n;

describe('epoch digits', () => {
  it('reads up to 11 digits as seconds', () => {
    expect(utc.parse('1713229200'), '10 digits are seconds').toBe(isoNs('2024-04-16T01:00:00Z'));
    expect(utc.parse('9223372036'), 'the last whole second before the int64 ns limit').toBe(9_223_372_036_000_000_000n);
    expect(utc.parse('99999999999'), '11 digits are seconds past 2262, refused rather than read as ms').toMatchObject({
      rule: 'time-invalid',
      reason: expect.stringContaining('seconds'),
    });
    expect(utc.parse('0'), 'zero is the epoch itself').toBe(0n);
  });

  it('reads 12 to 14 digits as milliseconds', () => {
    expect(utc.parse('100000000000'), '10^11 is the first value read as ms').toBe(100_000_000_000n * 1_000_000n);
    expect(utc.parse('1723161255342')).toBe(isoNs('2024-08-08T23:54:15.342Z'));
  });

  it('reads 15 to 17 digits as microseconds', () => {
    expect(utc.parse('1723161255342123')).toBe(1_723_161_255_342_123_000n);
    expect(utc.parse('100000000000000'), '10^14 is the first value read as µs').toBe(100_000_000_000_000n * 1000n);
  });

  it('reads 18 to 19 digits as nanoseconds, exactly above 2^53', () => {
    const parsed = utc.parse('1723161254087896568');
    expect(parsed, 'the ns digits must come back unchanged').toBe(1_723_161_254_087_896_568n);
    expect(parsed, 'a float round trip would have lost the last digits').not.toBe(BigInt(Number('1723161254087896568')));
    expect(utc.parse('1723161254087896569'), 'neighbouring ns values stay distinct').toBe(1_723_161_254_087_896_569n);
    expect(utc.parse('9223372036854775807'), 'the int64 maximum is accepted').toBe(9_223_372_036_854_775_807n);
  });

  it('ignores leading zeros when choosing the unit', () => {
    expect(utc.parse('0001713229200')).toBe(isoNs('2024-04-16T01:00:00Z'));
  });

  it('reads a fraction down to 1 ns and refuses anything finer', () => {
    expect(utc.parse('1723161255.342')).toBe(isoNs('2024-08-08T23:54:15.342Z'));
    expect(utc.parse('1723161255342.5'), 'half a millisecond').toBe(1_723_161_255_342_500_000n);
    expect(utc.parse('1723161255.123456789')).toBe(1_723_161_255_123_456_789n);
    expect(utc.parse('1723161255.1234567891')).toMatchObject({ rule: 'time-invalid' });
    expect(utc.parse('1723161254087896568.5')).toMatchObject({ rule: 'time-invalid' });
  });

  it('refuses epochs past the int64 ns range and longer than 20 digits', () => {
    expect(utc.parse('9223372036854775808')).toMatchObject({ rule: 'time-invalid' });
    expect(utc.parse('123456789012345678901')).toMatchObject({ rule: 'time-invalid' });
  });
});

describe('ISO times', () => {
  it('reads offsets +00:00, Z, +05:30 and -04:00 as exact instants', () => {
    expect(utc.parse('2024-04-16 00:00:00+00:00')).toBe(isoNs('2024-04-16T00:00:00Z'));
    expect(utc.parse('2024-04-16T00:00:00Z')).toBe(isoNs('2024-04-16T00:00:00Z'));
    expect(utc.parse('2024-04-16T10:30:00+05:30'), '10:30 in India is 05:00 UTC').toBe(isoNs('2024-04-16T05:00:00Z'));
    expect(utc.parse('2024-04-16 20:00:00-04:00'), '20:00 at -4 is midnight UTC').toBe(isoNs('2024-04-17T00:00:00Z'));
    expect(utc.parse('2024-04-16T10:30:00+0530'), 'offset without colon').toBe(isoNs('2024-04-16T05:00:00Z'));
  });

  it('keeps an offset even when a timezone is given', () => {
    expect(newYork.parse('2024-03-10T02:30:00-05:00'), 'the written offset wins over the zone').toBe(
      isoNs('2024-03-10T07:30:00Z'),
    );
  });

  it('reads fractions to the nanosecond', () => {
    expect(utc.parse('2024-08-08T23:54:15.342Z')).toBe(isoNs('2024-08-08T23:54:15.342Z'));
    expect(utc.parse('2024-08-08T23:54:15.123456789Z')).toBe(isoNs('2024-08-08T23:54:15Z') + 123_456_789n);
  });

  it('reads date-only and compact dates as midnight UTC by default', () => {
    expect(utc.parse('2013-01-02')).toBe(isoNs('2013-01-02T00:00:00Z'));
    expect(utc.parse('20020522'), 'LEAN compact date').toBe(isoNs('2002-05-22T00:00:00Z'));
    expect(utc.parse('1677-09-22'), 'early dates stay in range').toBe(isoNs('1677-09-22T00:00:00Z'));
  });

  it('reads naive date-times as UTC when no timezone is given', () => {
    expect(utc.parse('2025-08-05 20:49:00')).toBe(isoNs('2025-08-05T20:49:00Z'));
    expect(utc.parse('2025-08-05T20:49')).toBe(isoNs('2025-08-05T20:49:00Z'));
  });

  it('refuses impossible calendar fields with the reason', () => {
    expect(utc.parse('2023-02-29')).toMatchObject({ rule: 'time-invalid', reason: expect.stringContaining('day must be 01-28') });
    expect(utc.parse('2024-02-30')).toMatchObject({ rule: 'time-invalid', reason: expect.stringContaining('day must be 01-29') });
    expect(utc.parse('2024-13-01')).toMatchObject({ rule: 'time-invalid', reason: expect.stringContaining('month') });
    expect(utc.parse('2024-01-01 24:00:00')).toMatchObject({ rule: 'time-invalid', reason: expect.stringContaining('hour') });
    expect(utc.parse('2024-01-01 23:60:00')).toMatchObject({ rule: 'time-invalid' });
    expect(utc.parse('2024-01-01 23:59:60')).toMatchObject({ rule: 'time-invalid' });
    expect(utc.parse('2024-01-01 00:00:00+24:00')).toMatchObject({ rule: 'time-invalid' });
    expect(utc.parse('2262-04-12')).toMatchObject({ rule: 'time-invalid', reason: expect.stringContaining('int64') });
    expect(utc.parse('16/04/2024')).toMatchObject({ rule: 'time-invalid' });
    expect(utc.parse('yesterday')).toMatchObject({ rule: 'time-invalid' });
  });

  it('agrees with Date.parse on random instants written by toISOString', () => {
    fc.assert(
      fc.property(fc.integer({ min: -9_000_000_000_000, max: 9_000_000_000_000 }), (ms) => {
        const iso = new Date(ms).toISOString();
        expect(utc.parse(iso), `parsing ${iso}`).toBe(BigInt(ms) * 1_000_000n);
      }),
    );
  });
});

describe('naive times in a timezone', () => {
  it('uses standard time before and daylight time after the spring change (New York, 2024-03-10)', () => {
    expect(newYork.parse('2024-03-10 01:30:00'), '01:30 EST is 06:30 UTC').toBe(isoNs('2024-03-10T06:30:00Z'));
    expect(newYork.parse('2024-03-10 03:30:00'), '03:30 EDT is 07:30 UTC').toBe(isoNs('2024-03-10T07:30:00Z'));
  });

  it('refuses a wall time skipped by the spring change', () => {
    expect(newYork.parse('2024-03-10 02:30:00')).toMatchObject({
      rule: 'time-nonexistent',
      reason: expect.stringContaining('America/New_York'),
    });
    expect(london.parse('2024-03-31 01:30:00')).toMatchObject({ rule: 'time-nonexistent' });
  });

  it('takes the earlier instant for a wall time repeated by the autumn change', () => {
    expect(newYork.parse('2024-11-03 01:30:00'), 'first 01:30 is EDT, 05:30 UTC').toBe(isoNs('2024-11-03T05:30:00Z'));
    expect(newYork.parse('2024-11-03 02:30:00'), '02:30 is EST only, 07:30 UTC').toBe(isoNs('2024-11-03T07:30:00Z'));
    expect(london.parse('2024-10-27 01:30:00'), 'first 01:30 is BST, 00:30 UTC').toBe(isoNs('2024-10-27T00:30:00Z'));
  });

  it('reads a date-only value as midnight in the zone', () => {
    expect(newYork.parse('2013-01-02'), 'midnight EST').toBe(isoNs('2013-01-02T05:00:00Z'));
    expect(newYork.parse('2013-07-02'), 'midnight EDT').toBe(isoNs('2013-07-02T04:00:00Z'));
  });

  it('leaves epoch digits alone', () => {
    expect(newYork.parse('1713229200')).toBe(isoNs('2024-04-16T01:00:00Z'));
  });

  it('inverts the zone clock for random instants outside repeated hours', () => {
    const wall = new Intl.DateTimeFormat('sv-SE', {
      timeZone: 'America/New_York',
      year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
    });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_000_000_000 }), (seconds) => {
        const text = wall.format(seconds * 1000);
        const parsed = newYork.parse(text);
        const later = newYork.parse(wall.format((seconds + 3600) * 1000));
        const earlier = newYork.parse(wall.format((seconds - 3600) * 1000));
        const repeated = typeof later === 'bigint' && typeof earlier === 'bigint' && later - earlier !== 7_200_000_000_000n;
        if (!repeated) expect(parsed, `wall time ${text} in New York`).toBe(BigInt(seconds) * 1_000_000_000n);
      }),
    );
  });

  it('rejects an unknown zone name with the name in the message', () => {
    expect(() => new TimeCellParser('Mars/Olympus_Mons')).toThrow(UnknownTimeZoneError);
    expect(() => new TimeCellParser('Mars/Olympus_Mons')).toThrow(/Mars\/Olympus_Mons/);
  });
});

describe('time column choice', () => {
  it('finds each accepted name case-insensitively', () => {
    for (const name of ['timestamp', 'Time', 'TS', 'open_time', 'Date', 'DateTime']) {
      expect(findTimeColumn(['open', name, 'close']), `header '${name}'`).toBe(1);
    }
  });

  it('prefers timestamp, datetime, open_time, time, ts, then date', () => {
    expect(findTimeColumn(['date', 'ts', 'time', 'open_time', 'datetime', 'timestamp'])).toBe(5);
    expect(findTimeColumn(['date', 'ts', 'time', 'open_time', 'datetime'])).toBe(4);
    expect(findTimeColumn(['date', 'ts', 'time', 'open_time'])).toBe(3);
    expect(findTimeColumn(['date', 'ts', 'time'])).toBe(2);
    expect(findTimeColumn(['date', 'ts'])).toBe(1);
    expect(findTimeColumn(['datetime_ny', 'price'])).toBe(-1);
  });
});
