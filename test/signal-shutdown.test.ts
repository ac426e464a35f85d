// Signal shutdown in a real process: the first signal drains, a second one forces
// the exit even when the drain is stuck.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const script = resolve(import.meta.dirname, 'fixtures/processes/stuck-drain.ts');

function runStuckDrain(signal: NodeJS.Signals): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: resolve(import.meta.dirname, '..') });
    let stderr = '';
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child did not exit within 40 s; stderr: ${stderr}`));
    }, 40_000);
    child.stderr.on('data', (chunk: Buffer) => {
      const before = stderr;
      stderr += chunk;
      if (!before.includes('ready') && stderr.includes('ready')) child.kill(signal);
      if (!before.includes('received: draining') && stderr.includes('received: draining')) child.kill(signal);
    });
    child.on('exit', (code) => {
      clearTimeout(deadline);
      resolvePromise({ code, stderr });
    });
  });
}

describe('signal shutdown', () => {
  it('forces the exit on a second SIGINT while the drain is still running', async () => {
    const { code, stderr } = await runStuckDrain('SIGINT');
    expect(stderr).toContain('SIGINT received: draining rings and stopping');
    expect(stderr).toContain('second SIGINT: forcing exit. 7 published records were not consumed.');
    expect(code, 'exit code 128 + SIGINT').toBe(130);
  });

  it('forces the exit on a second SIGTERM with exit code 143', async () => {
    const { code, stderr } = await runStuckDrain('SIGTERM');
    expect(stderr).toContain('second SIGTERM: forcing exit');
    expect(code).toBe(143);
  });
});
