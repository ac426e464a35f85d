// The custom metadata of an ONNX graph (ModelProto.metadata_props), read straight from its
// protobuf bytes: onnxruntime-node does not expose them. A bounded walk over the top-level
// fields only (nothing is decoded but the metadata entries):
//
//   ModelProto            field 14 metadata_props: repeated StringStringEntryProto (wire type 2)
//   StringStringEntryProto field 1 key, field 2 value (both strings, wire type 2)
//
// Other fields are skipped by wire type (0 varint, 1 fixed64, 2 length-delimited, 5 fixed32).
// Bytes that are not a well-formed protobuf at this level give null: onnxruntime, which loads the
// graph next, reports what is wrong with them.
const METADATA_PROPS_FIELD = 14;
const ENTRY_KEY_FIELD = 1;
const ENTRY_VALUE_FIELD = 2;
/** At most this many top-level fields are walked, and this many metadata entries kept. */
const MAX_FIELDS = 1 << 20;
const MAX_ENTRIES = 4096;
/** Keys and values longer than this are not kept (ours are a few hundred bytes). */
const MAX_TEXT_BYTES = 1 << 16;

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** A cursor over protobuf bytes; every read returns -1 (or null) when the bytes end early. */
class ProtoReader {
  constructor(private readonly bytes: Uint8Array, public at: number, private readonly end: number) {}

  get done(): boolean {
    return this.at >= this.end;
  }

  /** A varint up to 2^53 (longer ones are malformed here), or -1. */
  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.at >= this.end) return -1;
      const b = this.bytes[this.at++];
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return value <= Number.MAX_SAFE_INTEGER ? value : -1;
      scale *= 128;
    }
    return -1;
  }

  /** Skips the value of a field of `wireType`; false when malformed. */
  skip(wireType: number): boolean {
    switch (wireType) {
      case 0: return this.varint() >= 0;
      case 1: return this.advance(8);
      case 2: {
        const length = this.varint();
        return length >= 0 && this.advance(length);
      }
      case 5: return this.advance(4);
      default: return false; // groups (3, 4) are not used by ONNX
    }
  }

  /** The [start, end) of a length-delimited value, or null. */
  delimited(): { start: number; end: number } | null {
    const length = this.varint();
    if (length < 0 || this.at + length > this.end) return null;
    const start = this.at;
    this.at += length;
    return { start, end: this.at };
  }

  private advance(n: number): boolean {
    if (this.at + n > this.end) return false;
    this.at += n;
    return true;
  }
}

/** One StringStringEntryProto in bytes [start, end): its key and value ('' when absent), or null. */
function entryOf(bytes: Uint8Array, start: number, end: number): { key: string; value: string } | null {
  const r = new ProtoReader(bytes, start, end);
  let key = '';
  let value = '';
  while (!r.done) {
    const tag = r.varint();
    if (tag < 0) return null;
    const field = Math.floor(tag / 8);
    const wireType = tag % 8;
    if ((field === ENTRY_KEY_FIELD || field === ENTRY_VALUE_FIELD) && wireType === 2) {
      const span = r.delimited();
      if (span === null) return null;
      if (span.end - span.start > MAX_TEXT_BYTES) continue;
      const text = utf8.decode(bytes.subarray(span.start, span.end));
      if (field === ENTRY_KEY_FIELD) key = text;
      else value = text;
    } else if (!r.skip(wireType)) {
      return null;
    }
  }
  return { key, value };
}

/**
 * The metadata_props of the ONNX model in `bytes` as a map (a repeated key: the last one), or
 * null when the bytes are not a well-formed protobuf message at the top level.
 */
export function readOnnxMetadataProps(bytes: Uint8Array): Map<string, string> | null {
  const props = new Map<string, string>();
  const r = new ProtoReader(bytes, 0, bytes.length);
  for (let fields = 0; !r.done; fields++) {
    if (fields >= MAX_FIELDS) return null;
    const tag = r.varint();
    if (tag <= 0) return null;
    const field = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (field === METADATA_PROPS_FIELD && wireType === 2) {
      const span = r.delimited();
      if (span === null) return null;
      const entry = entryOf(bytes, span.start, span.end);
      if (entry === null) return null;
      if (props.size < MAX_ENTRIES || props.has(entry.key)) props.set(entry.key, entry.value);
    } else if (!r.skip(wireType)) {
      return null;
    }
  }
  return props;
}
