// Renders the event-record table of schemas/README.md from schemas/event-record.json, and
// splices it between the README's generated-section markers. `flatc.mjs --write` writes it,
// `--check` fails when the README and the JSON disagree.

export const TYPE_BYTES = { i32: 4, u32: 4, f32: 4, i64: 8, u64: 8, f64: 8 };

export const SECTION_BEGIN = '<!-- BEGIN GENERATED event-record (from event-record.json by `npm run codegen`; do not edit) -->';
export const SECTION_END = '<!-- END GENERATED event-record -->';

function fail(source, field, value, rule) {
  throw new Error(`${source}: \`${field}\` ${rule}, was ${JSON.stringify(value)}`);
}

/** Checks the shape of event-record.json (not the layout rules: the agreement test owns those). */
export function checkEventRecordJson(record, source) {
  if (!Number.isInteger(record?.recordBytes) || record.recordBytes <= 0) fail(source, 'recordBytes', record?.recordBytes, 'must be an integer >= 1');
  if (!Array.isArray(record.fields) || record.fields.length === 0) fail(source, 'fields', record.fields, 'must be a non-empty array');
  record.fields.forEach((field, index) => {
    if (typeof field.name !== 'string' || field.name === '') fail(source, `fields[${index}].name`, field.name, 'must be a non-empty string');
    if (!Number.isInteger(field.offset) || field.offset < 0) fail(source, `fields[${index}].offset`, field.offset, 'must be an integer >= 0');
    if (!(field.type in TYPE_BYTES)) fail(source, `fields[${index}].type`, field.type, `must be one of ${Object.keys(TYPE_BYTES).join(', ')}`);
    if (typeof field.meaning !== 'string') fail(source, `fields[${index}].meaning`, field.meaning, 'must be a string');
  });
  if (typeof record.kinds !== 'object' || record.kinds === null) fail(source, 'kinds', record.kinds, 'must be an object of name -> bit value');
  for (const [name, value] of Object.entries(record.kinds)) {
    if (!Number.isInteger(value) || value <= 0 || (value & (value - 1)) !== 0) fail(source, `kinds.${name}`, value, 'must be a single bit (a power of two)');
  }
  return record;
}

function hex(value) {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

/** The Markdown between the markers: field table and kind-bit table. */
export function renderEventRecordTable(record) {
  const lines = [
    `Record size: ${record.recordBytes} bytes.`,
    '',
    '| Offset | Bytes | Field | Type | Meaning |',
    '|-------:|------:|-------|------|---------|',
  ];
  for (const field of record.fields) {
    lines.push(`| ${field.offset} | ${TYPE_BYTES[field.type]} | \`${field.name}\` | ${field.type} | ${field.meaning.replaceAll('|', '\\|')} |`);
  }
  lines.push('', '| Kind bit | Value | Hex | Bit |', '|----------|------:|-----|----:|');
  for (const [name, value] of Object.entries(record.kinds)) {
    lines.push(`| \`${name}\` | ${value} | ${hex(value)} | ${Math.log2(value)} |`);
  }
  return lines.join('\n');
}

/** Returns `readme` with the generated section replaced by `table`; throws when the markers are missing. */
export function spliceEventRecordTable(readme, table, source) {
  const begin = readme.indexOf(SECTION_BEGIN);
  const end = readme.indexOf(SECTION_END);
  if (begin < 0 || end < begin) {
    throw new Error(`${source}: expected the markers\n  ${SECTION_BEGIN}\n  ${SECTION_END}\nin this order, found ${begin < 0 ? 'no begin marker' : 'the end marker before the begin marker or none'}`);
  }
  return `${readme.slice(0, begin + SECTION_BEGIN.length)}\n${table}\n${readme.slice(end)}`;
}
