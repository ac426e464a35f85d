// engine/shutdown: what SIGINT/SIGTERM do to a running command (drain and stop, or stop at the next check and report).
export { installSignalShutdown, installStopOnSignal, type ShutdownHooks, type SignalShutdown, type StopOnSignal } from './signal-shutdown.js';
