// `quantflow killswitch status|reset|token`: shows the persisted kill-switch state and its
// journal, clears a halt with a signed control token (its `sub` and the --reason are
// journaled as KillSwitchReset), and signs HS256 tokens for operators who hold the secret.
// Works on the LMDB state at killSwitch.statePath of the configuration: run it while the
// engine is stopped; the next engine start loads the state.
import { Command } from 'commander';
import { UserFacingError } from '../cli-error.js';
import { ConfigError, loadConfig, type QuantFlowConfig } from '../../config/index.js';
import {
  ControlTokenError, KillSwitch, KillSwitchResetRefused, KillSwitchStore, signControlToken, type ControlEvent,
} from '../../killswitch/index.js';

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
    .action(async (flags: CommonFlags & { json?: boolean }) => {
      const config = configFrom(flags);
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
    .action(async (flags: CommonFlags & { reason: string; token?: string }) => {
      const config = configFrom(flags);
      const token = flags.token ?? process.env.QF_CONTROL_TOKEN ?? '';
      await withStore(config, async (store) => {
        try {
          const event = await new KillSwitch(store).reset(token, flags.reason, config.control);
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
      const ttl = Number(flags.ttl);
      try {
        process.stdout.write(`${await signControlToken(flags.subject, config.control, ttl)}\n`);
      } catch (error) {
        if (error instanceof ControlTokenError) throw new UserFacingError(error.message);
        throw error;
      }
    });
}
