// `quantflow killswitch status|reset|token`: shows the persisted kill-switch state and its
// journal, clears a halt with a signed control token (its `sub` and the --reason are
// journaled as KillSwitchReset), and signs HS256 tokens (each with a fresh jti) for operators
// who hold the secret. A token is used once: its jti is claimed in the ledger beside the kill-switch
// state (engine/killswitch used-token-ledger.ts; with --journal, the live session's ledger in its
// journal directory, where its state server claims the tokens it takes).
// Works on the LMDB state at killSwitch.statePath of the configuration, or with --journal DIR
// on a live session's journal (engine/live session-control.ts): run it while the engine or the
// session is stopped; the next start loads the state (a session replays the reset where it
// was journaled).
import { Command } from 'commander';
import { UserFacingError } from '../cli-error.js';
import { ConfigError, loadConfig, type QuantFlowConfig } from '../../config/index.js';
import {
  ControlTokenError, DirectoryTokenLedger, KillSwitch, KillSwitchResetRefused, KillSwitchStore, claimVerifiedToken, signControlToken, usedTokenLedgerPath, verifyControlToken, type ControlEvent,
} from '../../killswitch/index.js';
import { Journal } from '../../journal/index.js';
import { SessionControlRefused, journalHolder, journaledKillSwitch, resetKillSwitchInJournal } from '../../live/index.js';
import { existsSync } from 'node:fs';
import path from 'node:path';

interface JournalFlag {
  journal?: string;
}

function sessionKillSwitchStatus(dir: string, json: boolean): void {
  if (!existsSync(dir)) throw new UserFacingError(`--journal: no journal at ${JSON.stringify(dir)}`);
  const holder = journalHolder(dir);
  const journal = Journal.open(dir, { durability: { mode: 'async' }, mustExist: true });
  try {
    const state = journaledKillSwitch(journal);
    if (json) {
      process.stdout.write(`${JSON.stringify({ ...state, sequence: state.sequence.toString(), sessionPid: holder })}\n`);
      return;
    }
    process.stdout.write(
      state.halted
        ? `kill switch: HALTED (journal record ${state.sequence}), tripped by ${state.who}: ${state.why}\n`
        : `kill switch: clear${state.who ? ` (journal record ${state.sequence}), last reset by ${state.who}: ${state.why}` : ' (never tripped)'}\n`,
    );
    process.stdout.write(`trips: ${state.trips}, journal: ${dir}${holder !== null ? `, held by the running session pid ${holder}` : ''}\n`);
  } finally {
    journal.close();
  }
}

interface CommonFlags {
  config?: string;
}

function configFrom(flags: CommonFlags): QuantFlowConfig {
  try {
    return loadConfig({ configFile: flags.config });
  } catch (error) {
    if (error instanceof ConfigError) throw new UserFacingError(error.message);
    throw error;
  }
}

function isoTime(ns: bigint): string {
  return new Date(Number(ns / 1_000_000n)).toISOString();
}

function describeEvent(event: ControlEvent): string {
  return `#${event.sequence} ${isoTime(event.timeNs)} ${event.kind} by ${event.who}: ${event.why}`;
}

/**
 * Whether kill-switch state exists at killSwitch.statePath. `status` and `reset` only read what an
 * engine persisted: on a path where none ever did (a typo, another working directory: the path is
 * relative to it) they say so instead of creating an empty store there and calling it clear.
 */
function persistedAt(statePath: string): boolean {
  return existsSync(path.join(statePath, 'data.mdb'));
}

function noStateText(statePath: string): string {
  return `no kill-switch state at ${statePath} (${path.resolve(statePath)}): no engine has persisted its kill switch there; check killSwitch.statePath (--config, QF_KILL_SWITCH__STATE_PATH; a relative path is taken from the working directory)`;
}

async function withStore<T>(config: QuantFlowConfig, run: (store: KillSwitchStore) => Promise<T> | T): Promise<T> {
  const store = KillSwitchStore.open(config.killSwitch.statePath);
  try {
    return await run(store);
  } finally {
    await store.close();
  }
}

export function registerKillswitchCommand(program: Command): void {
  const command = program.command('killswitch').description('Inspect or reset the persisted kill switch (drawdown halt)');
  command
    .command('status')
    .description('Show whether trading is halted, by whom and why, and the recent control journal')
    .option('--config <file>', 'configuration file merged over config/default.yaml')
    .option('--json', 'print the state and journal as JSON')
    .option('--journal <dir>', "a live session's journal instead of killSwitch.statePath")
    .action(async (flags: CommonFlags & JournalFlag & { json?: boolean }) => {
      if (flags.journal !== undefined) return sessionKillSwitchStatus(flags.journal, flags.json === true);
      const config = configFrom(flags);
      if (!persistedAt(config.killSwitch.statePath)) {
        if (flags.json) process.stdout.write(`${JSON.stringify({ halted: false, persisted: false, statePath: config.killSwitch.statePath, journal: [] }, null, 2)}\n`);
        else process.stdout.write(`kill switch: clear (never tripped here): ${noStateText(config.killSwitch.statePath)}\n`);
        return;
      }
      await withStore(config, (store) => {
        const state = store.load();
        const journal = store.journal.read();
        if (flags.json) {
          const text = JSON.stringify({ ...state, journal }, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value), 2);
          process.stdout.write(`${text}\n`);
          return;
        }
        const since = state.changedAtNs > 0n ? ` since ${isoTime(state.changedAtNs)}` : '';
        process.stdout.write(
          state.halted
            ? `kill switch: HALTED${since}, tripped by ${state.who}: ${state.why}\n`
            : `kill switch: clear${state.who ? `${since}, last reset by ${state.who}: ${state.why}` : ' (never tripped)'}\n`,
        );
        process.stdout.write(`trips: ${state.trips}, state: ${config.killSwitch.statePath}\n`);
        for (const event of journal.slice(-10)) process.stdout.write(`${describeEvent(event)}\n`);
      });
    });
  command
    .command('reset')
    .description('Clear a halt; needs a signed control token (--token or QF_CONTROL_TOKEN) and a reason')
    .requiredOption('--reason <text>', 'why trading may resume (journaled)')
    .option('--token <jwt>', 'signed control token; default: QF_CONTROL_TOKEN')
    .option('--config <file>', 'configuration file merged over config/default.yaml')
    .option('--journal <dir>', "reset a stopped live session's kill switch: journaled there, replayed at that point on its next start")
    .action(async (flags: CommonFlags & JournalFlag & { reason: string; token?: string }) => {
      // A blank reason is bad usage (exit 2, like commander's own refusals), not a refused reset (exit 3).
      if (flags.reason.trim() === '') throw new UserFacingError(`option '--reason <text>' must explain why trading may resume, was ${JSON.stringify(flags.reason)} (see \`quantflow killswitch reset --help\`)`);
      const config = configFrom(flags);
      const token = flags.token ?? process.env.QF_CONTROL_TOKEN ?? '';
      if (flags.journal !== undefined) {
        try {
          const verified = await verifyControlToken(token, config.control);
          // The session's ledger is in its journal directory (run.ts): a token it took is refused here too.
          // (No journal there: the reset below refuses it, and nothing is created at that path.)
          if (existsSync(flags.journal)) claimVerifiedToken(verified, DirectoryTokenLedger.open(usedTokenLedgerPath(flags.journal)));
          const { who } = verified;
          const { sequence, tripped } = resetKillSwitchInJournal(flags.journal, who, flags.reason);
          process.stdout.write(`kill switch reset: journal record ${sequence} by ${who}: ${flags.reason} (it was tripped by ${tripped.who}: ${tripped.why})\n`);
        } catch (error) {
          if (error instanceof SessionControlRefused) throw new UserFacingError(error.message, 3);
          if (error instanceof ControlTokenError) throw new UserFacingError(`kill switch reset refused: ${error.message}`, 3);
          throw error;
        }
        return;
      }
      if (!persistedAt(config.killSwitch.statePath)) throw new UserFacingError(`kill switch reset refused: ${noStateText(config.killSwitch.statePath)}`, 3);
      await withStore(config, async (store) => {
        try {
          const event = await new KillSwitch(store).reset(token, flags.reason, config.control, DirectoryTokenLedger.open(usedTokenLedgerPath(config.killSwitch.statePath)));
          process.stdout.write(`kill switch reset: ${describeEvent(event)}\n`);
        } catch (error) {
          if (error instanceof KillSwitchResetRefused) throw new UserFacingError(error.message, 3);
          if (error instanceof ControlTokenError) throw new UserFacingError(`kill switch reset refused: ${error.message}`, 3);
          throw error;
        }
      });
    });
  command
    .command('token')
    .description('Sign an HS256 control token for --subject (needs control.secret or QF_CONTROL_SECRET)')
    .requiredOption('--subject <name>', 'who acts with this token (journaled on reset)')
    .option('--ttl <seconds>', 'validity in seconds', '300')
    .option('--config <file>', 'configuration file merged over config/default.yaml')
    .action(async (flags: CommonFlags & { subject: string; ttl: string }) => {
      const config = configFrom(flags);
      // A control token is short-lived by design: at most a day.
      if (!/^\d+$/.test(flags.ttl) || Number(flags.ttl) < 1 || Number(flags.ttl) > 86_400) throw new UserFacingError(`\`--ttl\` must be an integer number of seconds in [1, 86400], was ${JSON.stringify(flags.ttl)}`);
      const ttl = Number(flags.ttl);
      try {
        process.stdout.write(`${await signControlToken(flags.subject, config.control, ttl)}\n`);
      } catch (error) {
        if (error instanceof ControlTokenError) throw new UserFacingError(error.message);
        throw error;
      }
    });
}
