// Opens LMDB databases of raw byte values without copies: puts take Uint8Array views as they
// are (lmdb-js reads them by address, inside the caller's synchronous write transaction), and
// reads return lmdb-js's shared read buffer, valid until the next read on this thread. Two
// read forms over the same database: a view sized to the value (`openRecordsDb`), or the
// shared buffer itself with its `length` property set to the value's size (`openSharedReadDb`,
// one allocation less per record; only `length`, `buffer` and `byteOffset` are meaningful).
// Keys are lmdb-js's default ordered keys (numbers, or arrays of numbers).
import type { Database, DatabaseOptions, RootDatabase } from 'lmdb';

const viewEncoder = {
  encode: (value: Uint8Array): Uint8Array => value,
  decode: (bytes: Uint8Array): Uint8Array => new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length),
  needsStableBuffer: false,
};

const sharedEncoder = {
  encode: (value: Uint8Array): Uint8Array => value,
  decode: (bytes: Uint8Array): Uint8Array => bytes,
  needsStableBuffer: false,
};

// `encoder` is typed on root options only; lmdb-js reads it per database too (open.js openDB).
type WithEncoder = DatabaseOptions & { name: string };

export function openRecordsDb<K extends number | number[] = number>(root: RootDatabase, name: string): Database<Uint8Array, K> {
  return root.openDB<Uint8Array, K>({ name, encoder: viewEncoder } as WithEncoder);
}

export function openSharedReadDb<K extends number | number[] = number>(root: RootDatabase, name: string): Database<Uint8Array, K> {
  return root.openDB<Uint8Array, K>({ name, encoder: sharedEncoder } as WithEncoder);
}
