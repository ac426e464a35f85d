// Oracle for the event checksum: its low lane is the MurmurHash3 x86_32 block
// loop over the stream's bytes (seed 0), so finalising it (h ^= length; fmix32)
// must reproduce mmh3.hash of the same bytes computed by Python's mmh3 package
// (tools/pyenv/requirements.txt). The high lane has no peer; test/ring-wasm.test.ts
// checks both lanes against the WASM implementation.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { EventChecksum } from '../engine/ring/index.js';
import { pythonBin as python, pythonPeer, skipWithout } from './peers.js';

/** MurmurHash3 x86_32 finalisation of a block-loop state over `length` bytes. */
function murmurFinalise(state: number, length: number): number {
  let h = (state ^ length) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Deterministic pseudo-random words (xorshift32), so the streams are reproducible. */
function randomWords(count: number, seed: number): Uint32Array {
  const words = new Uint32Array(count);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return words;
}

describe.skipIf(skipWithout(pythonPeer(['mmh3'])))('event checksum low lane against Python mmh3', () => {
  it('equals MurmurHash3 x86_32 (seed 0) of the stream bytes once finalised, for streams of 1 to 200 records', () => {
    const streams = [1, 2, 3, 17, 64, 200].map((records, i) => randomWords(records * 16, 0x9e3779b9 + i));
    streams.push(new Uint32Array(16), new Uint32Array(16).fill(0xffff_ffff));
    const ours = streams.map((words) => {
      const checksum = new EventChecksum();
      for (let w = 0; w < words.length; w += 16) checksum.foldRecord(words, w);
      return murmurFinalise(checksum.lo, words.length * 4);
    });
    const input = streams.map((words) => Buffer.from(words.buffer, words.byteOffset, words.byteLength).toString('hex')).join('\n');
    const script = 'import sys, mmh3\nfor line in sys.stdin.read().split():\n    print(mmh3.hash(bytes.fromhex(line), 0, signed=False))';
    const result = spawnSync(python, ['-c', script], { input, encoding: 'utf8' });
    expect(result.status, `python mmh3 failed: ${result.stderr}`).toBe(0);
    const peer = result.stdout.trim().split('\n').map(Number);
    expect(ours, 'finalised low lane equals mmh3.hash (little-endian words, as in the shared memory)').toEqual(peer);
  });
});
