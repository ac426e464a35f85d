import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Journal } from './index.js';

const child = path.join(import.meta.dirname, 'fixtures/journal-child.ts');
const dir = mkdtempSync(path.join(tmpdir(), 'qf-journal-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the fixture under node + tsx, optionally through `sh -c 'ulimit -f <blocks>; exec ...'`. */
function run(args: string[], fileSizeLimitBlocks?: number): Promise<Run> {
  const node = [process.execPath, '--import', 'tsx', child, ...args];
  const [command, argv] =
    fileSizeLimitBlocks === undefined ? [node[0], node.slice(1)] : ['/bin/sh', ['-c', `ulimit -f ${fileSizeLimitBlocks} && exec "$@"`, 'sh', ...node]];
  return new Promise((resolve, reject) => {
    const proc = spawn(command, argv, { cwd: path.resolve(import.meta.dirname, '../..') });
    let stdout = '';
    let stderr = '';
    const deadline = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`journal child ${args.join(' ')} did not finish within 60 s; stderr: ${stderr}`));
    }, 60_000);
    proc.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    proc.on('exit', (code, signal) => {
      clearTimeout(deadline);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('journal across a crash', () => {
  it('keeps exactly the committed records when the process is killed with records pending', async () => {
    const at = path.join(dir, 'killed');
    const result = await run(['kill', at, '1500', '700']);
    expect(result.signal, `the child must die by SIGKILL; stderr: ${result.stderr}`).toBe('SIGKILL');
    expect(JSON.parse(result.stdout.trim()), 'the child committed 1500 and had 700 pending').toStrictEqual({ committed: '1500', last: '2200' });
    const journal = Journal.open(at);
    // `record` is valid until the next iteration: read its first byte while iterating.
    const inbound = Array.from(journal.readInbound(0n), (r) => ({ ...r, record: r.record.slice() }));
    expect(inbound.length, 'the 700 uncommitted records are gone').toBe(1500);
    expect(inbound.every((r, k) => r.sequence === BigInt(k + 1) && r.inboundSeq === BigInt(k) && r.record[0] === (k & 0xff)), 'the committed ones are intact, in order').toBe(true);
    expect(journal.lastSequence()).toBe(1500n);
    expect(journal.append({ type: 'killSwitchTripped', who: 'test', why: 'after crash' }), 'the sequence continues after the last committed record').toBe(1501n);
    journal.close();
  });

  it.skipIf(process.platform === 'win32')('reports a real write failure (a write past the file size limit fails) as a sticky JournalWriteError', async () => {
    const at = path.join(dir, 'disk-full');
    const result = await run(['disk-full', at], 4096);
    expect(result.code, `the child exits normally; stderr: ${result.stderr}`).toBe(0);
    const report = JSON.parse(result.stdout.trim()) as { isJournalWriteError: boolean; message: string; committed: string; sticky: boolean };
    expect(report.isJournalWriteError, `the failure is a JournalWriteError: ${report.message}`).toBe(true);
    expect(report.message, 'the message names the journal path').toContain(at);
    expect(report.message, 'and the sequence range of the failed batch').toMatch(/commit of sequences \d+\.\.\d+ failed: /);
    expect(report.sticky, 'later appends throw the same error').toBe(true);
    const committed = BigInt(report.committed);
    expect(committed > 0n, 'some batches were committed before the limit').toBe(true);
    const journal = Journal.open(at);
    expect(journal.lastSequence(), 'the journal on disk ends at the last committed batch').toBe(committed);
    expect([...journal.readInbound(0n)].length, 'and every committed record reads back').toBe(Number(committed));
    journal.close();
  });
});
