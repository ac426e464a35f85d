// The end of a long-running command whose work is done and whose result is written: the process
// should end by itself. A handle a library leaves open (a venue client's socket, reconnect timer
// or keep-alive agent after an outage) would keep it alive after Ctrl-C, with the session already
// stopped; this ends it after a grace, naming what was still open. The timer is unref'd: a
// process that ends by itself never sees it.

/** Exits with the process's exit code `graceMs` after the call unless the process ended first; says what held it open. */
export function exitWhenLingering(what: string, log: (line: string) => void, graceMs = 2000): void {
  const timer = setTimeout(() => {
    const counts = new Map<string, number>();
    for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
    const open = [...counts].map(([kind, n]) => `${n} ${kind}`).join(', ');
    log(`${what}: still open ${graceMs} ms after it stopped (${open || 'nothing reported'}); exiting`);
    process.exit(process.exitCode ?? 0);
  }, graceMs);
  timer.unref();
}
