// Splits one physical CSV line into fields (RFC 4180 quoting, comma delimiter).
// A quoted field must close on the same line: the loader reads physical lines, so a
// field spanning lines is reported as a quoting error rather than silently joined.

/** Result of splitting: the fields, or why the quoting is malformed. */
export type SplitResult = { ok: true; fields: string[] } | { ok: false; reason: string };

/**
 * Splits `line` (no line terminator) on commas. Quoted fields may hold commas and `""`
 * (an escaped quote); a closing quote must be followed by a comma or the end of the line.
 */
export function splitCsvLine(line: string): SplitResult {
  if (line.indexOf('"') < 0) return { ok: true, fields: line.split(',') };
  const fields: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    if (line.charCodeAt(i) === 34 /* " */) {
      let text = '';
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0) {
          return { ok: false, reason: `quoted field starting at column ${i + 1} is not closed on this line` };
        }
        text += line.slice(j, q);
        if (line.charCodeAt(q + 1) === 34) {
          text += '"';
          j = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      fields.push(text);
      if (i === n) return { ok: true, fields };
      if (line.charCodeAt(i) !== 44 /* , */) {
        return { ok: false, reason: `closing quote at column ${i} is followed by '${line[i]}' instead of a comma` };
      }
      i += 1;
      if (i === n) {
        fields.push('');
        return { ok: true, fields };
      }
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? n : comma;
      const text = line.slice(i, end);
      if (text.indexOf('"') >= 0) {
        return { ok: false, reason: `unquoted field starting at column ${i + 1} contains a quote` };
      }
      fields.push(text);
      if (comma < 0) return { ok: true, fields };
      i = comma + 1;
      if (i === n) {
        fields.push('');
        return { ok: true, fields };
      }
    }
  }
}
