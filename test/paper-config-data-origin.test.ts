// `paper` without --config runs its demo configuration (config/examples/paper-demo.yaml); its
// `data` entries were named "the configuration's data[i]" in messages (runDataSources was given
// --config, unset, not the file the session loaded). They name the file and the entry.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { paperConfigAndSources, paperDemoConfig } from '../engine/cli/commands/paper.js';
import { openRunData } from '../engine/cli/open-run-data.js';

const dir = mkdtempSync(join(tmpdir(), 'qf-paper-config-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('paper on its default demo configuration\'s data', () => {
  it('names the demo file and its data entry for a source it cannot open', async () => {
    const demo = join(dir, 'paper-demo.yaml');
    writeFileSync(demo, `${readFileSync(paperDemoConfig(), 'utf8')}\ndata:\n  - { path: gone.csv }\n`);
    const { sources } = paperConfigAndSources({}, demo, {});
    expect(sources.map((s) => s.origin)).toEqual([`${demo} data[0]`]);
    await expect(openRunData(sources, {})).rejects.toThrow(`${demo} data[0]: ${join(dir, 'gone.csv')}: `);
    await expect(openRunData(sources, {})).rejects.not.toThrow(/the configuration's/);
  });

  it('names a --config file\'s entries by that file, and --data sources by the flag', () => {
    const file = join(dir, 'mine.yaml');
    writeFileSync(file, 'data:\n  - { path: a.csv }\n  - { path: b.csv }\n');
    expect(paperConfigAndSources({ config: file }, paperDemoConfig(), {}).sources.map((s) => s.origin)).toEqual([`${file} data[0]`, `${file} data[1]`]);
    expect(paperConfigAndSources({ data: ['x.csv'], config: file }, paperDemoConfig(), {}).sources).toEqual([{ source: 'x.csv' }]);
  });
});
