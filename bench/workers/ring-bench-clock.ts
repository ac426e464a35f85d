// A clock shared by the benchmark's threads, read without allocating:
// performance.now() of this thread shifted onto process.hrtime's monotonic base
// (one base for the whole process), in nanoseconds as a double. Calibrated once
// per thread from the tightest of several (now, hrtime, now) brackets.

/** Nanoseconds on the process-wide monotonic clock, as a double (exact below 2^53 ns, about 104 days of uptime). */
export interface SharedClock {
  nowNs(): number;
}

export function calibrateSharedClock(samples = 50): SharedClock {
  let bestWidth = Infinity;
  let offsetMs = 0;
  for (let i = 0; i < samples; i++) {
    const before = performance.now();
    const hr = process.hrtime.bigint();
    const after = performance.now();
    if (after - before < bestWidth) {
      bestWidth = after - before;
      offsetMs = Number(hr) / 1e6 - (before + after) / 2;
    }
  }
  return { nowNs: () => (performance.now() + offsetMs) * 1e6 };
}
