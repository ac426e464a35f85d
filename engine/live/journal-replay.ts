// Exact replay of a recorded session: the journal's inbound records (market data and venue
// events, at the inbound sequences they were published at) re-run through a fresh core with
// the pipeline the session journaled. Every command the core writes again is compared, in
// order, with the commands the session journaled before sending them; every outbound record
// (commands, risk records, notices, round trips) goes into a SHA-256 of the decisions.
import { createHash } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { EngineHost } from '../threads/index.js';
import { InboundReader, Journal, decodeJournalRecord } from '../journal/index.js';
import { EV_KIND, EventKind, KIND_MASK } from '../layout/event-record.js';
import { pipelineFromJson, readSessionBook, type SessionBook } from './session-state.js';

export interface JournalReplayResult {
  /** Sessions (starts and restarts) the journal records. */
  readonly sessions: number;
  readonly inboundRecords: number;
  readonly commandsJournaled: number;
  readonly commandsReplayed: number;
  /** The first command that differs (1-based, with what differs), or null when all agree. */
  readonly firstMismatch: string | null;
  /** Outbound records the core wrote (every decision), and their SHA-256. */
  readonly decisions: number;
  readonly decisionsHash: string;
  readonly book: SessionBook;
  /** Reading the journal and running its records through the core (starting and stopping the engine thread left out). */
  readonly elapsedMs: number;
}

export class JournalReplayError extends Error {}

const COMMAND_KINDS = EventKind.ORDER | EventKind.CANCEL | EventKind.REPLACE;

export async function replayJournal(dir: string, onProgress?: (published: number, total: number) => void): Promise<JournalReplayResult> {
  const journal = Journal.open(dir, { durability: { mode: 'async' } });
  let host: EngineHost | undefined;
  try {
    let pipelineJson: string | null = null;
    let sessions = 0;
    const journaled: Uint8Array[] = [];
    /** Inbound records journaled before each kill-switch reset: where the reset is replayed. */
    const resets: number[] = [];
    let total = 0;
    // One pass over the control entries; inbound records are only counted (their fields are read in place, not decoded).
    const scanStarted = performance.now();
    const inboundReader = new InboundReader();
    for (const { bytes } of journal.scan(1n)) {
      if (inboundReader.read(bytes)) {
        total++;
        continue;
      }
      const { entry } = decodeJournalRecord(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length).slice());
      if (entry.type === 'killSwitchReset') resets.push(total);
      if (entry.type === 'sessionStarted') {
        sessions++;
        pipelineJson ??= entry.pipelineJson;
      } else if (entry.type === 'submit' || entry.type === 'cancel' || entry.type === 'replace') {
        journaled.push(entry.record);
      }
    }
    const scanMs = performance.now() - scanStarted;
    if (pipelineJson === null) throw new JournalReplayError(`journal ${dir}: no session start recorded (is this a session journal?)`);
    const pipeline = pipelineFromJson(pipelineJson);
    const hash = createHash('sha256');
    let decisions = 0;
    let commands = 0;
    let firstMismatch: string | null = null;
    host = await EngineHost.start({
      // A session with no instruments (a transport benchmark) runs the core with no stages.
      pipeline: pipeline.instruments.length > 0 ? pipeline : undefined,
      onRecordBytes: (bytes) => {
        decisions++;
        hash.update(bytes);
        const kind = new DataView(bytes.buffer, bytes.byteOffset).getInt32(EV_KIND, true) & KIND_MASK;
        if ((kind & COMMAND_KINDS) === 0 || (kind & EventKind.REJECT) !== 0) return;
        const expected = journaled[commands++];
        if (firstMismatch === null && (expected === undefined || Buffer.compare(expected, bytes) !== 0)) {
          firstMismatch = expected === undefined ? `command ${commands}: the replay decided it, the session never journaled it` : `command ${commands}: differs from the journaled one`;
        }
      },
    });
    const started = performance.now();
    const producer = host.inbound;
    const memory = new Uint8Array(host.memory.buffer);
    const CLAIM = 1024;
    let published = 0;
    let first = 0;
    let claimed = 0;
    let written = 0;
    // Records go straight from LMDB into claimed ring slots: no copy in between, no allocation per record.
    const publishWritten = (): void => {
      producer.publish((first + written) >>> 0);
      published += written;
      claimed = written = 0;
      host!.drainOutbound();
      onProgress?.(published, total);
    };
    /** Resets journaled before inbound record `published + written`: replayed once the core has taken every record before it. */
    const resetsDue = async (): Promise<void> => {
      while (resets.length > 0 && resets[0] === published + written) {
        if (claimed > 0) publishWritten(); // claimed === written here: claims stop at the next reset
        resets.shift();
        await consumed(BigInt(published));
        await host!.resetKillSwitch();
      }
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
    let expectedSeq = 0n;
    for (const record of journal.readInbound(0n)) {
      if (record.inboundSeq !== expectedSeq) throw new JournalReplayError(`journal ${dir}: record ${record.sequence} is inbound ${record.inboundSeq}, expected ${expectedSeq}`);
      expectedSeq++;
      if (resets.length > 0) await resetsDue();
      if (written === claimed) {
        if (claimed > 0) publishWritten();
        // Claim no further than the next reset: every claimed slot is written and published before it.
        const want = Math.min(CLAIM, total - published, resets.length > 0 ? resets[0] - published : CLAIM);
        for (first = producer.tryClaim(want); first === -1; first = producer.tryClaim(want)) {
          host.checkHealthy();
          if (host.drainOutbound() === 0) await host.waitForInboundRoom(5);
        }
        claimed = want;
      }
      memory.set(record.record.subarray(0, 64), producer.slotOffset((first + written) >>> 0));
      written++;
    }
    if (claimed > 0) publishWritten();
    await resetsDue();
    await consumed(expectedSeq);
    const book = readSessionBook(host.memory, pipeline.instruments.map((entry) => entry.instrument));
    await host.drainAndStop();
    const elapsedMs = scanMs + (performance.now() - started);
    host = undefined;
    if (firstMismatch === null && commands < journaled.length) firstMismatch = `command ${commands + 1}: journaled, but the replay never decided it`;
    return {
      sessions, inboundRecords: published, commandsJournaled: journaled.length, commandsReplayed: commands, firstMismatch, decisions,
      decisionsHash: hash.digest('hex'), book, elapsedMs,
    };
  } finally {
    if (host) await host.terminate();
    journal.close();
  }
}
