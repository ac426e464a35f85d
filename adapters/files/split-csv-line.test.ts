// Unit tests for splitting one CSV line: plain fields, RFC 4180 quoting, and malformed quoting.
import { describe, expect, it } from 'vitest';
import { splitCsvLine } from './split-csv-line.js';

describe('splitCsvLine', () => {
  it('splits plain fields and keeps empty ones', () => {
    expect(splitCsvLine('a,b,,d')).toEqual({ ok: true, fields: ['a', 'b', '', 'd'] });
    expect(splitCsvLine('a,')).toEqual({ ok: true, fields: ['a', ''] });
    expect(splitCsvLine('')).toEqual({ ok: true, fields: [''] });
  });

  it('unquotes quoted fields holding commas and doubled quotes', () => {
    expect(splitCsvLine('"1,5",x,"say ""hi"""')).toEqual({ ok: true, fields: ['1,5', 'x', 'say "hi"'] });
    expect(splitCsvLine('x,"",y')).toEqual({ ok: true, fields: ['x', '', 'y'] });
    expect(splitCsvLine('"a",')).toEqual({ ok: true, fields: ['a', ''] });
  });

  it('reports a quote left open on the line', () => {
    const result = splitCsvLine('a,"b,c');
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toBe('quoted field starting at column 3 is not closed on this line');
  });

  it('reports text after a closing quote and a quote inside an unquoted field', () => {
    expect(splitCsvLine('"a"b,c')).toEqual({ ok: false, reason: "closing quote at column 3 is followed by 'b' instead of a comma" });
    expect(splitCsvLine('a,b"c')).toEqual({ ok: false, reason: 'unquoted field starting at column 3 contains a quote' });
  });
});
