import { describe, expect, it } from 'vitest';
import { DEFAULT_DURABILITY, parseDurability } from './index.js';

describe('parseDurability', () => {
  it('accepts the three modes', () => {
    expect(parseDurability({ mode: 'fsync' }, 'journal.durability')).toStrictEqual({ mode: 'fsync' });
    expect(parseDurability({ mode: 'async' }, 'journal.durability')).toStrictEqual({ mode: 'async' });
    expect(parseDurability({ mode: 'group', maxDelayMs: 0.5, maxRecords: 10 }, 'journal.durability')).toStrictEqual({ mode: 'group', maxDelayMs: 0.5, maxRecords: 10 });
  });

  it('fills group settings from the default policy', () => {
    expect(parseDurability({ mode: 'group' }, 'd'), 'the default is group commit, 2 ms or 4096 records').toStrictEqual(DEFAULT_DURABILITY);
  });

  it('names the field, the value and the rule in every rejection', () => {
    expect(() => parseDurability('fsync', 'journal.durability')).toThrow('`journal.durability` must be an object with `mode` one of fsync, group, async, was "fsync"');
    expect(() => parseDurability({ mode: 'sometimes' }, 'journal.durability')).toThrow('`journal.durability.mode` must be one of fsync, group, async, was "sometimes"');
    expect(() => parseDurability({ mode: 'group', maxDelayMs: -1 }, 'j')).toThrow('`j.maxDelayMs` must be a finite number of milliseconds >= 0, was -1');
    expect(() => parseDurability({ mode: 'group', maxDelayMs: Number.NaN }, 'j')).toThrow('`j.maxDelayMs` must be a finite number of milliseconds >= 0, was NaN');
    expect(() => parseDurability({ mode: 'group', maxRecords: 1.5 }, 'j')).toThrow('`j.maxRecords` must be an integer >= 1, was 1.5');
    expect(() => parseDurability({ mode: 'fsync', maxRecords: 3 }, 'j')).toThrow('`j.maxRecords` is not a setting of durability mode fsync (allowed: mode), was 3');
  });
});
