// The outbound half of the write-ahead rule: the commands the core wrote (ORDER, CANCEL,
// REPLACE) are queued as the outbound drain reads them, appended to the journal, made durable
// by a commit, and only then sent to the venue. A failed commit sends nothing: the session
// stops with the journal's error. A command the session withholds (CommandWithholding: new
// exposure decided before the kill switch tripped, withheld-orders.ts) is journaled in its place
// like the others, its refusal journaled before the same commit, and it is not sent.
import type { CancelCommandRecord, OrderCommandRecord, ReplaceCommandRecord } from '../orders/index.js';
import { OrderFlag, TimeInForce } from '../orders/index.js';
import type { Journal, JournalEntry } from '../journal/index.js';
import { clientOrderIdOf, type VenueAdapter } from './venue-adapter.js';
import { crashPoint } from './crash-points.js';

export type CommandRecord = OrderCommandRecord | CancelCommandRecord | ReplaceCommandRecord;

/** A command with the 64 bytes the core wrote. */
export interface QueuedCommand {
  readonly command: CommandRecord;
  readonly bytes: Uint8Array;
}

/** The journal entry of a command. */
export function commandEntry({ command, bytes }: QueuedCommand): JournalEntry {
  const clientOrderId = clientOrderIdOf(command.orderId);
  const price = (value: number): number | null => (value === 0 ? null : value);
  switch (command.record) {
    case 'order':
      return {
        type: 'submit', orderId: command.orderId, clientOrderId, instrument: command.instrument, side: command.qty > 0 ? 'buy' : 'sell',
        quantity: Math.abs(command.qty), limitPrice: price(command.limitPrice), stopPrice: price(command.stopPrice),
        reduceOnly: (command.flags & OrderFlag.REDUCE_ONLY) !== 0, postOnly: command.timeInForce === TimeInForce.POST_ONLY, record: bytes,
      };
    case 'cancel':
      return { type: 'cancel', orderId: command.orderId, clientOrderId, instrument: command.instrument, reason: `rule ${command.rule}`, record: bytes };
    case 'replace':
      return {
        type: 'replace', orderId: command.orderId, clientOrderId, instrument: command.instrument, quantity: command.qty,
        limitPrice: price(command.limitPrice), stopPrice: price(command.stopPrice), record: bytes,
      };
  }
}

/** Sends one command to the venue. */
export function sendCommand(adapter: VenueAdapter, command: CommandRecord): void {
  const clientOrderId = clientOrderIdOf(command.orderId);
  switch (command.record) {
    case 'order':
      adapter.submit({
        orderId: command.orderId, clientOrderId, instrument: command.instrument, qty: command.qty, orderType: command.orderType,
        timeInForce: command.timeInForce, limitPrice: command.limitPrice, stopPrice: command.stopPrice, flags: command.flags, decisionNs: command.tsNs,
      });
      break;
    case 'cancel':
      adapter.cancel({ orderId: command.orderId, clientOrderId, instrument: command.instrument });
      break;
    case 'replace':
      adapter.replace({
        orderId: command.orderId, clientOrderId, instrument: command.instrument, qty: command.qty, limitPrice: command.limitPrice, stopPrice: command.stopPrice,
      });
      break;
  }
}

/** Which commands the session keeps from the venue, and what it journals for each instead (before the commit). */
export interface CommandWithholding {
  withhold(command: QueuedCommand): boolean;
  withheld(command: QueuedCommand): void;
}

export class JournaledCommands {
  private queue: QueuedCommand[] = [];
  /** Commands sent so far (this process). */
  sent = 0;
  /** Commands journaled but withheld (not sent) so far. */
  withheld = 0;

  constructor(private readonly journal: Journal, private readonly adapter: VenueAdapter, private readonly withholding?: CommandWithholding) {}

  get pending(): number {
    return this.queue.length;
  }

  push(command: QueuedCommand): void {
    this.queue.push(command);
  }

  /** Takes the queued commands out (recovery sorts them into journaled and new). */
  take(): QueuedCommand[] {
    const taken = this.queue;
    this.queue = [];
    return taken;
  }

  /** Journals the queued commands (and the refusals of those withheld), commits (durable unless the policy is async), then sends the others; returns how many were sent. */
  flush(): number {
    const commands = this.take();
    if (commands.length === 0) return 0;
    const withheld = commands.map((command) => this.withholding?.withhold(command) === true);
    for (const command of commands) this.journal.append(commandEntry(command));
    commands.forEach((command, i) => { if (withheld[i]) this.withholding!.withheld(command); });
    crashPoint('commit-before');
    this.journal.commit();
    crashPoint('commit-after');
    let sent = 0;
    commands.forEach(({ command }, i) => {
      if (withheld[i]) return;
      sendCommand(this.adapter, command);
      sent++;
      crashPoint('command-sent');
    });
    this.sent += sent;
    this.withheld += commands.length - sent;
    return sent;
  }
}
