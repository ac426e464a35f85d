// Exact replay of a recorded session: the journal's inbound records (market data and venue
// events, at the inbound sequences they were published at) re-run through a fresh core with
// the pipeline the session journaled. Every command the core writes again is compared, in
// order, with the commands the session journaled before sending them; every outbound record
// (commands, risk records, notices, round trips) goes into a SHA-256 of the decisions. The
// journal is read once, in order: inbound records are copied from LMDB's read buffer into ring
// slots as they come, control entries (session starts, commands, operator kill-switch actions, risk-limit changes and strategy pauses)
// are decoded where they fall. The result names the core builds that wrote the journal (its meta
// "writers") beside this one: a journal written by another core may replay to other decisions, and
// the first command that differs is named with its journal record and both commands, field by field.
import { createHash } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { EngineHost } from '../threads/index.js';
import { InboundReader, Journal } from '../journal/index.js';
import { EV_KIND, EventKind, KIND_MASK } from '../layout/event-record.js';
import { pipelineFromJson, readSessionBook, type SessionBook } from './session-state.js';
import { pausedInstrumentsProblem } from '../pipeline/index.js';
import { isOperatorTrip } from './session-server-control.js';
import { isRiskLimitName } from '../risk/index.js';
import { coreBuildHash } from '../core/wasm-core.js';
import type { JournalWriter } from '../journal/index.js';
import { describeCommand, describeCommandDifference } from './command-divergence.js';

export interface JournalReplayResult {
  /** Sessions (starts and restarts) the journal records. */
  readonly sessions: number;
  /** The first session's mode: `paper` journals no commands (its core's simulated venue fills them), so none are compared. */
  readonly mode: string;
  readonly inboundRecords: number;
  readonly commandsJournaled: number;
  readonly commandsReplayed: number;
  /** The first command that differs (1-based, its journal record, both commands and the fields that differ), or null when all agree. */
  readonly firstMismatch: string | null;
  /** This process's core (sha256 of core.wasm), which made the replay's decisions. */
  readonly core: string;
  /** The core builds that wrote the journal, oldest first (empty: a journal from before journals recorded them). */
  readonly writers: readonly JournalWriter[];
  /** Outbound records the core wrote (every decision), and their SHA-256. */
  readonly decisions: number;
  readonly decisionsHash: string;
  readonly book: SessionBook;
  /** Reading the journal and running its records through the core, until the engine thread drained and stopped (its start left out). */
  readonly elapsedMs: number;
}

export class JournalReplayError extends Error {}

const COMMAND_KINDS = EventKind.ORDER | EventKind.CANCEL | EventKind.REPLACE;

export async function replayJournal(dir: string, onProgress?: (published: number, total: number) => void): Promise<JournalReplayResult> {
  const journal = Journal.open(dir, { durability: { mode: 'async' }, mustExist: true });
  let host: EngineHost | undefined;
  try {
    // Timed from here, the engine thread's start left out (its drain and stop are in): the journal is read once.
    const scanStarted = performance.now();
    const start = firstSessionStart(journal);
    if (start === null) throw new JournalReplayError(`journal ${dir}: no session start recorded (is this a session journal?)`);
    const pipeline = pipelineFromJson(start.pipelineJson);
    const total = Number(journal.lastInboundSequence()) + 1;
    // A paper session's core fills its own orders in its simulated venue: no command is journaled, none is compared.
    const commandsCompared = new CommandComparison(start.mode === 'paper');
    const writers = journal.writers();
    const hash = createHash('sha256');
    let decisions = 0;
    const beforeStart = performance.now() - scanStarted;
    host = await EngineHost.start({
      // A session with no instruments (a transport benchmark) runs the core with no stages.
      pipeline: pipeline.instruments.length > 0 ? pipeline : undefined,
      onRecordBytes: (bytes) => {
        decisions++;
        hash.update(bytes);
        const kind = new DataView(bytes.buffer, bytes.byteOffset).getInt32(EV_KIND, true) & KIND_MASK;
        if ((kind & COMMAND_KINDS) === 0 || (kind & EventKind.REJECT) !== 0) return;
        commandsCompared.decided(bytes);
      },
    });
    const started = performance.now();
    const producer = host.inbound;
    const memory = new Uint8Array(host.memory.buffer);
    const memoryWords = new Int32Array(host.memory.buffer);
    let sessions = 0;
    let published = 0;
    /** Claimed, unpublished slots start at sequence `first`; `written` of the `claimed` hold records. */
    let first = 0;
    let claimed = 0;
    let written = 0;
    const publishWritten = (): void => {
      producer.publish((first + written) >>> 0);
      published += written;
      first = (first + written) >>> 0;
      claimed -= written;
      written = 0;
      host!.drainOutbound();
      onProgress?.(published, total);
    };
    const consumed = async (count: bigint): Promise<void> => {
      while (BigInt(host!.counters().eventsProcessed) < count) {
        host!.checkHealthy();
        host!.drainOutbound();
        await host!.waitForOutbound(5);
        await yieldToEventLoop();
      }
      host!.drainOutbound();
    };
    // One pass: inbound records go from LMDB's read buffer straight into claimed ring slots (16
    // word copies, no allocation per record); control entries (few) are decoded in stream order.
    // An operator kill-switch action publishes what is written (the rest of the claim stays
    // claimed) and is replayed once the core has taken every record before it.
    const reader = new InboundReader();
    let source: Int32Array | null = null;
    let expectedSeq = 0;
    for (const { key, value } of journal.scanRange(1n)) {
      let inboundSeq: number;
      try {
        inboundSeq = reader.readInboundSeq(value);
      } catch (error) {
        throw journal.damaged(key, error);
      }
      if (inboundSeq < 0) {
        const { entry } = journal.decodeAt(key, new Uint8Array(value.buffer, value.byteOffset, value.length).slice());
        if (entry.type === 'sessionStarted') sessions++;
        else if (entry.type === 'submit' || entry.type === 'cancel' || entry.type === 'replace') commandsCompared.journaled(entry.record, key);
        else if (entry.type === 'killSwitchReset' || isOperatorTrip(entry)) {
          if (written > 0) publishWritten();
          await consumed(BigInt(published));
          if (entry.type === 'killSwitchReset') await host.resetKillSwitch();
          else await host.tripKillSwitch();
        } else if (entry.type === 'limitChanged') {
          // An operator's risk-limit change, at its journaled point (as a trip).
          if (!isRiskLimitName(entry.limit)) throw new JournalReplayError(`journal ${dir}: record ${key} changes an unknown risk limit ${JSON.stringify(entry.limit)}`);
          if (written > 0) publishWritten();
          await consumed(BigInt(published));
          await host.changeRiskLimit(entry.limit, entry.value);
        } else if (entry.type === 'strategyPaused') {
          // An operator's pause or resume, at its journaled point, on the instruments it names.
          const problem = pausedInstrumentsProblem(entry.instruments);
          if (problem !== null) throw new JournalReplayError(`journal ${dir}: record ${key} pauses ${problem}`);
          if (written > 0) publishWritten();
          await consumed(BigInt(published));
          await host.setInstrumentsPaused(entry.instruments, entry.paused);
        }
        continue;
      }
      if (inboundSeq !== expectedSeq) throw new JournalReplayError(`journal ${dir}: record ${key} is inbound ${inboundSeq}, expected ${expectedSeq}`);
      expectedSeq++;
      if (written === claimed) {
        if (written > 0) publishWritten();
        const want = Math.min(CLAIM, producer.capacity >> 1, total - published);
        for (first = producer.tryClaim(want); first === -1; first = producer.tryClaim(want)) {
          host.checkHealthy();
          if (host.drainOutbound() === 0) await host.waitForInboundRoom(5);
        }
        claimed = want;
      }
      const from = value.byteOffset + reader.recordOffset;
      const to = producer.slotOffset((first + written) >>> 0);
      if ((from & 3) === 0) {
        if (source === null || source.buffer !== value.buffer) source = new Int32Array(value.buffer);
        for (let w = 0, s = from >> 2, d = to >> 2; w < 16; w++) memoryWords[d + w] = source[s + w];
      } else {
        memory.set(new Uint8Array(value.buffer, from, 64), to);
      }
      written++;
    }
    if (claimed !== written) throw new JournalReplayError(`journal ${dir}: ${expectedSeq} inbound records read, ${total} expected from its last inbound sequence`);
    if (written > 0) publishWritten();
    await consumed(BigInt(expectedSeq));
    const book = readSessionBook(host.memory, pipeline.instruments.map((entry) => entry.instrument));
    await host.drainAndStop();
    const elapsedMs = beforeStart + (performance.now() - started); // the stop included, as before
    host = undefined;
    const compared = commandsCompared.finish();
    return {
      sessions, mode: start.mode, inboundRecords: published, commandsJournaled: compared.journaled, commandsReplayed: compared.decided, firstMismatch: compared.firstMismatch,
      core: coreBuildHash(), writers, decisions,
      decisionsHash: hash.digest('hex'), book, elapsedMs,
    };
  } finally {
    if (host) await host.terminate();
    journal.close();
  }
}

/** Ring slots claimed at a time (the inbound ring holds more; the core takes them as they come). */
const CLAIM = 4096;

/** The pipeline and mode of the journal's first session start (read up to it only), or null when it has none. */
function firstSessionStart(journal: Journal): { pipelineJson: string; mode: string } | null {
  const reader = new InboundReader();
  for (const { key, value } of journal.scanRange(1n)) {
    let inbound: boolean;
    try {
      inbound = reader.readInboundSeq(value) >= 0;
    } catch (error) {
      throw journal.damaged(key, error);
    }
    if (inbound) continue;
    const { entry } = journal.decodeAt(key, new Uint8Array(value.buffer, value.byteOffset, value.length).slice());
    if (entry.type === 'sessionStarted') return { pipelineJson: entry.pipelineJson, mode: entry.mode };
  }
  return null;
}

/**
 * The replay's commands against the journaled ones, in order, whichever comes first: the core
 * may decide a command before the single pass reaches its journal entry, or after. Pairs
 * complete in order, so the first that differs is the first mismatch.
 */
class CommandComparison {
  private readonly pendingJournaled: { record: Uint8Array; sequence: number }[] = [];
  private readonly pendingDecided: Uint8Array[] = [];
  private journaledCount = 0;
  private decidedCount = 0;
  private compared = 0;
  private mismatch: string | null = null;

  /** `decidedOnly`: the session journals no commands (paper): the replay's are counted, not compared. */
  constructor(private readonly decidedOnly = false) {}

  /** `sequence`: the journal record that holds it. */
  journaled(record: Uint8Array, sequence: number): void {
    this.journaledCount++;
    if (this.pendingDecided.length > 0) this.compare({ record, sequence }, this.pendingDecided.shift()!);
    else this.pendingJournaled.push({ record, sequence });
  }

  /** `bytes` is a view of the outbound ring: copied when it has to wait. */
  decided(bytes: Uint8Array): void {
    this.decidedCount++;
    if (this.decidedOnly) return;
    if (this.pendingJournaled.length > 0) this.compare(this.pendingJournaled.shift()!, bytes);
    else this.pendingDecided.push(bytes.slice());
  }

  finish(): { journaled: number; decided: number; firstMismatch: string | null } {
    let firstMismatch = this.mismatch;
    if (firstMismatch === null && this.pendingDecided.length > 0) {
      firstMismatch = `command ${this.compared + 1}: the replay decided it, the session never journaled it: ${describeCommand(this.pendingDecided[0])}`;
    }
    if (firstMismatch === null && this.pendingJournaled.length > 0) {
      const [first] = this.pendingJournaled;
      firstMismatch = `command ${this.compared + 1} (journal record ${first.sequence}): journaled, but the replay never decided it: ${describeCommandDifference(first.record, null)}`;
    }
    return { journaled: this.journaledCount, decided: this.decidedCount, firstMismatch };
  }

  private compare(expected: { record: Uint8Array; sequence: number }, decided: Uint8Array): void {
    this.compared++;
    if (this.mismatch === null && Buffer.compare(expected.record, decided) !== 0) {
      this.mismatch = `command ${this.compared} (journal record ${expected.sequence}): differs from the journaled one: ${describeCommandDifference(expected.record, decided)}`;
    }
  }
}
