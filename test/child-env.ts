// The environment a test gives the quantflow processes it starts: its own plus `extra`, without
// the variables that steer the test itself (the QF_*_SEED that repeats a random plan): a child's
// configuration reads every QF_ variable as an override and refuses an unknown one.
const TEST_ONLY_ENV = ['QF_LIVE_CRASH_SEED', 'QF_RANDOM_CRASH_SEED', 'QF_CRASH_SEED'] as const;

export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of TEST_ONLY_ENV) delete env[name];
  return env;
}
