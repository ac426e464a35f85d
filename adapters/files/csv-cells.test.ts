// The byte parsers of the market streams read a cell exactly as the bar loader's string
// parsers do: numbers equal Number(text) (and refuse what its DECIMAL rule refuses), times
// equal TimeCellParser (ISO with and without offsets, naive New York times across DST, epoch
// units by magnitude), and quoted lines split like splitCsvLine.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RowCells } from './csv-cells.js';
import { splitCsvLine } from './split-csv-line.js';
import { TimeCellParser } from './time-column.js';
import { TimeCellReader } from './time-cell-reader.js';

function cellsOf(line: string): RowCells {
  const cells = new RowCells(16);
  const ok = cells.split(Buffer.from(line), 0, Buffer.byteLength(line));
  if (!ok) throw new Error(`split refused '${line}': ${cells.splitProblem}`);
  return cells;
}

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const expectedNumber = (text: string): number => {
  const t = text.trim();
  if (!DECIMAL.test(t)) return Number.NaN;
  const v = Number(t);
  return Number.isFinite(v) ? v : Number.NaN;
};

describe('RowCells.number', () => {
  it('equals Number(text) on decimals of every length', () => {
    const decimal = fc
      .tuple(fc.constantFrom('', '-', '+'), fc.stringMatching(/^\d{0,20}$/), fc.option(fc.stringMatching(/^\d{0,24}$/)), fc.option(fc.integer({ min: -30, max: 30 })))
      .map(([sign, int, frac, exp]) => `${sign}${int}${frac === null ? '' : `.${frac}`}${exp === null ? '' : `e${exp}`}`);
    fc.assert(
      fc.property(decimal, (text) => {
        const got = cellsOf(`x,${text},y`).number(1);
        const want = expectedNumber(text);
        if (Number.isNaN(want)) expect(got, text).toBeNaN();
        else expect(Object.is(got, want) || got === want, `${text}: ${got} vs ${want}`).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it.each(['61837.63000000', '0.00200000', ' 12.5 ', '1e3', '.5', '5.', '-0.0001', '123456789012345678', 'nan', 'NaN', '1.2.3', '', 'abc', '0x10', 'Infinity', '1e400'])(
    'reads %j as Number would',
    (text) => {
      const got = cellsOf(`${text},z`).number(0);
      const want = expectedNumber(text);
      if (Number.isNaN(want)) expect(got).toBeNaN();
      else expect(got).toBe(want);
    },
  );
});

describe('RowCells.split', () => {
  it.each(['a,b,c', 'a,"b,c",d', '"x""y",2', 'a,,', ',', '  a , b '])('splits %j like splitCsvLine (cells trimmed)', (line) => {
    const cells = cellsOf(line);
    const want = splitCsvLine(line);
    if (!want.ok) throw new Error('oracle refused');
    expect(Array.from({ length: cells.count }, (_, i) => cells.text(i))).toEqual(want.fields.map((f) => f.trim()));
  });

  it('refuses an unclosed quote with the reason', () => {
    const cells = new RowCells(4);
    expect(cells.split(Buffer.from('a,"b'), 0, 4)).toBe(false);
    expect(cells.splitProblem).toContain('not closed');
  });
});

describe('TimeCellReader', () => {
  const readNs = (reader: TimeCellReader, text: string): bigint | null => {
    const cells = cellsOf(text);
    if (!reader.read(cells, 0)) return null;
    return BigInt(reader.sec) * 1_000_000_000n + BigInt(reader.frac);
  };

  it.each([undefined, 'America/New_York', 'Europe/London', 'Australia/Lord_Howe'])('equals TimeCellParser for ISO and epoch cells (zone %s)', (zone) => {
    const reader = new TimeCellReader('auto', zone);
    const oracle = new TimeCellParser(zone);
    const cells = [
      '2013-10-07 04:00:00.614',
      '2013-10-07T04:00:00',
      '2024-04-16 00:00:00+00:00',
      '2024-04-16T00:00:00.123456789Z',
      '2024-04-16T05:30:00+05:30',
      '2024-03-10 02:30:00', // New York: skipped by DST
      '2024-03-10 01:59:59.999',
      '2024-03-10 03:00:00',
      '2024-11-03 01:30:00', // New York: occurs twice, earlier instant
      '2024-11-03 02:00:00',
      '2024-10-06 02:15:00', // Lord Howe: 30-minute shift
      '2024-04-16',
      '20240416',
      '1723161255342',
      '1723161254087896568',
      '1723161255',
      '1723161255.5',
      '1723161255342.25',
      '0',
      '1999-02-29 00:00:00',
      '2024-13-01 00:00:00',
      '2024-04-16 24:00:00',
      'yesterday',
      '1969-07-20 20:17:00',
    ];
    for (const text of cells) {
      const want = oracle.parse(text);
      const got = readNs(reader, text);
      if (typeof want === 'bigint') expect(got, text).toBe(want);
      else expect(got, text).toBeNull();
    }
  });

  it('equals TimeCellParser on random naive New York times and epoch ms', () => {
    const reader = new TimeCellReader('auto', 'America/New_York');
    const oracle = new TimeCellParser('America/New_York');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), (ms) => {
        const iso = new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
        for (const text of [iso, String(ms)]) {
          const want = oracle.parse(text);
          const got = readNs(reader, text);
          if (typeof want === 'bigint') expect(got, text).toBe(want);
          else expect(got, text).toBeNull();
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('reads fixed epoch units and refuses other shapes under them', () => {
    expect(readNs(new TimeCellReader('epoch-s', undefined), '1723161255.5')).toBe(1_723_161_255_500_000_000n);
    expect(readNs(new TimeCellReader('epoch-ms', undefined), '1723161255342')).toBe(1_723_161_255_342_000_000n);
    expect(readNs(new TimeCellReader('epoch-ms', undefined), '5')).toBe(5_000_000n);
    expect(readNs(new TimeCellReader('epoch-us', undefined), '1723161255342001')).toBe(1_723_161_255_342_001_000n);
    expect(readNs(new TimeCellReader('epoch-ns', undefined), '1723161254087896568')).toBe(1_723_161_254_087_896_568n);
    expect(readNs(new TimeCellReader('epoch-ns', undefined), '1723161254087896568.5')).toBeNull();
    expect(readNs(new TimeCellReader('epoch-ms', undefined), '2024-04-16T00:00:00Z')).toBeNull();
    expect(readNs(new TimeCellReader('iso', undefined), '1723161255342')).toBeNull();
    expect(readNs(new TimeCellReader('iso', undefined), '2024-04-16T00:00:00Z')).toBe(1_713_225_600_000_000_000n);
    expect(readNs(new TimeCellReader('epoch-s', undefined), '99999999999')).toBeNull();
  });
});
