// Reads a file as byte chunks (plain, or gzip told by its magic bytes 1f 8b and inflated by
// zlib as it streams) and cuts them into lines without decoding them: a line is a
// (buffer, start, end) window into a chunk, so memory holds one chunk and one carried line.
// Lines end at LF; a CR before the LF is dropped; a UTF-8 BOM at the start is skipped.

import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { checkRegularFile, CsvFileError } from './csv-errors.js';

/** Bytes read at once. */
export const CHUNK_BYTES = 1 << 20;

/** Longest line accepted; a longer one means the file is not line-oriented text. */
export const MAX_LINE_CHARS = 1 << 20;

/** True when `file` starts with the gzip magic bytes. */
export async function isGzipFile(file: string): Promise<boolean> {
  checkRegularFile(file);
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** The file's bytes in chunks, inflated when it is gzip. The streams are closed when the loop ends early. */
export async function* readFileChunks(file: string): AsyncGenerator<Buffer> {
  const gzip = await isGzipFile(file);
  const raw = createReadStream(file, { highWaterMark: CHUNK_BYTES });
  if (!gzip) {
    try {
      for await (const chunk of raw) yield chunk as Buffer;
    } finally {
      raw.destroy();
    }
    return;
  }
  const inflate = createGunzip({ chunkSize: CHUNK_BYTES });
  let failure: Error | null = null;
  pipeline(raw, inflate, (error) => {
    if (error && (error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') failure = error;
  });
  try {
    for await (const chunk of inflate) yield chunk as Buffer;
  } catch (error) {
    throw new CsvFileError(file, 'bad-header', `gzip data must inflate: ${(error as Error).message}`);
  } finally {
    inflate.destroy();
    raw.destroy();
  }
  if (failure !== null) throw new CsvFileError(file, 'bad-header', `gzip data must inflate: ${(failure as Error).message}`);
}

/** A cursor over the lines of a stream of chunks; fields of the current line: buf, start, end, lineNumber. */
export class ByteLines {
  /** The current line is buf[start, end) (no CR/LF). */
  buf: Buffer = Buffer.alloc(0);
  start = 0;
  end = 0;
  /** 1-based physical line number of the current line. */
  lineNumber = 0;
  private data: Buffer = Buffer.alloc(0);
  private pos = 0;
  private carry: Buffer | null = null;
  private first = true;

  constructor(private readonly file: string) {}

  /** Hands the next chunk to the cursor; call next() until it returns false, then feed again. */
  feed(chunk: Buffer): void {
    let data = chunk;
    if (this.first) {
      this.first = false;
      if (data.length >= 3 && data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) data = data.subarray(3);
    }
    this.data = data;
    this.pos = 0;
    if (this.carry !== null) {
      const newline = data.indexOf(10);
      if (newline < 0) {
        this.carry = Buffer.concat([this.carry, data]);
        this.pos = data.length;
        this.checkCarry();
        return;
      }
      // The line that straddles the chunks becomes its own small buffer.
      this.data = Buffer.concat([this.carry, data.subarray(0, newline + 1)]);
      this.carry = null;
      this.pendingRest = data;
      this.pendingPos = newline + 1;
    }
  }

  private pendingRest: Buffer | null = null;
  private pendingPos = 0;

  /** True while the buffer the current line sits in holds no `"` byte: its lines need no quote handling. */
  quoteFree = false;
  private quoteChecked: Buffer | null = null;

  /** Whether the current line's buffer is quote-free (one native scan per buffer). */
  lineQuoteFree(): boolean {
    if (this.quoteChecked !== this.buf) {
      this.quoteChecked = this.buf;
      this.quoteFree = this.buf.indexOf(34) < 0;
    }
    return this.quoteFree;
  }

  /** Moves to the next complete line of the fed data; false when the data holds no more complete lines. */
  next(): boolean {
    for (;;) {
      const data = this.data;
      const newline = data.indexOf(10, this.pos);
      if (newline >= 0) {
        this.setLine(data, this.pos, newline);
        this.pos = newline + 1;
        return true;
      }
      if (this.pos < data.length) this.carry = this.carry === null ? data.subarray(this.pos) : Buffer.concat([this.carry, data.subarray(this.pos)]);
      this.pos = data.length;
      if (this.pendingRest === null) {
        // Copy the carried tail so the chunk it points into can be released and reused.
        if (this.carry !== null && this.carry.buffer === data.buffer) this.carry = Buffer.from(this.carry);
        this.checkCarry();
        return false;
      }
      this.data = this.pendingRest;
      this.pos = this.pendingPos;
      this.pendingRest = null;
    }
  }

  /** After the last chunk: moves to a final line without LF, if any. */
  finish(): boolean {
    if (this.carry === null || this.carry.length === 0) return false;
    const tail = this.carry;
    this.carry = null;
    this.setLine(tail, 0, tail.length);
    return true;
  }

  private setLine(data: Buffer, start: number, newline: number): void {
    this.lineNumber += 1;
    this.buf = data;
    this.start = start;
    this.end = newline > start && data[newline - 1] === 13 ? newline - 1 : newline;
  }

  private checkCarry(): void {
    if (this.carry !== null && this.carry.length > MAX_LINE_CHARS) {
      throw new CsvFileError(
        this.file,
        'line-too-long',
        `line ${this.lineNumber + 1} must be at most ${MAX_LINE_CHARS} characters, was longer: not a line-oriented CSV file`,
      );
    }
  }
}

/** True when buf[start, end) holds only spaces and tabs (a blank line). */
export function isBlank(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}
