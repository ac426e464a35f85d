// Streams a text file (plain, or gzip told by its magic bytes: line-reader readFileChunks) line
// by line in chunks, so memory holds one chunk and one line, whatever the file's size. Lines
// end at LF; a CR before the LF is dropped (CRLF).
// The visitor returns false to stop reading early (the stream is closed).

import { StringDecoder } from 'node:string_decoder';
import { checkRegularFile, CsvFileError } from './csv-errors.js';
import { readFileChunks } from './line-reader.js';

import { MAX_LINE_CHARS } from './line-reader.js';

export { MAX_LINE_CHARS };

/**
 * Calls `visit` with each physical line of `file` (without its terminator) and its 1-based
 * number. A final line without LF is visited; a final empty line after the last LF is not.
 */
export async function forEachLine(file: string, visit: (line: string, lineNumber: number) => boolean): Promise<void> {
  checkRegularFile(file);
  const chunks = readFileChunks(file);
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let lineNumber = 0;
  try {
    for await (const bytes of chunks) {
      const chunk = decoder.write(bytes);
      const text = carry === '' ? chunk : carry + chunk;
      let start = 0;
      let newline = text.indexOf('\n');
      while (newline >= 0) {
        const end = newline > start && text.charCodeAt(newline - 1) === 13 /* CR */ ? newline - 1 : newline;
        lineNumber += 1;
        if (!visit(text.slice(start, end), lineNumber)) return;
        start = newline + 1;
        newline = text.indexOf('\n', start);
      }
      carry = text.slice(start);
      if (carry.length > MAX_LINE_CHARS) {
        throw new CsvFileError(
          file,
          'line-too-long',
          `line ${lineNumber + 1} must be at most ${MAX_LINE_CHARS} characters, was longer: not a line-oriented CSV file`,
        );
      }
    }
    carry += decoder.end();
    if (carry !== '') {
      lineNumber += 1;
      visit(carry.charCodeAt(carry.length - 1) === 13 ? carry.slice(0, -1) : carry, lineNumber);
    }
  } finally {
    await chunks.return(undefined);
  }
}
