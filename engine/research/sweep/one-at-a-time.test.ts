// OneAtATime: calls run in arrival order, never overlapping, and a failure does not stop the next.
import { describe, expect, it } from 'vitest';
import { OneAtATime } from './one-at-a-time.js';

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

describe('OneAtATime', () => {
  it('runs calls one after another in arrival order, each result to its caller', async () => {
    const turns = new OneAtATime();
    const events: string[] = [];
    let running = 0;
    const call = (name: string, steps: number) => turns.run(async () => {
      running++;
      expect(running).toBe(1);
      events.push(`start ${name}`);
      for (let i = 0; i < steps; i++) await tick();
      events.push(`end ${name}`);
      running--;
      return name;
    });
    const results = await Promise.all([call('a', 3), call('b', 1), call('c', 2)]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('passes a failure to its caller and goes on with the next call', async () => {
    const turns = new OneAtATime();
    const failed = turns.run(async () => { await tick(); throw new Error('run 1 failed'); });
    const next = turns.run(async () => 'run 2');
    await expect(failed).rejects.toThrow('run 1 failed');
    await expect(next).resolves.toBe('run 2');
  });
});
