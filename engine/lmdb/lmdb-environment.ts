// Opening an LMDB environment that may already exist: its directory and data file are checked
// before lmdb-js maps them. lmdb-js ends the process natively (SIGSEGV, SIGBUS, "free(): invalid
// pointer") on a data.mdb that is not an LMDB file or that was cut short (an interrupted copy, a
// full disk), before any error can be reported. The check reads the file's first meta pages as
// the bundled LMDB writes them (liblmdb mdb.c: MDB_page_header 24 bytes, then MDB_meta):
//
//   page 0 (and the pages after it: the meta pages)          offsets within a meta page
//   | pgno u64 | txnid u64 | pad u16 | flags u16 (P_META) | lower u16 | upper u16 |    0 .. 24
//   | magic u32 0xBEEFC0DE | version u32 (low 16 bits 2) | address u64 | mapsize u64 | 24 .. 48
//   | free db: pad u32 = page size, flags, depth, branch, leaf, overflow, entries, root  48 .. 96
//   | main db: pad, flags, depth, branch, leaf, overflow, entries, root u64 (at 136)     96 .. 144
//   | last page u64 | txnid u64 |                                                       144 .. 160
//
// A file is refused when page 0 is not a meta page of this format (what LMDB itself checks, but
// lmdb-js crashes on), or when the newest meta page's database roots lie past the end of the
// file (the roots are live pages; a file cut short loses them). The meta's last page is not a
// bound: a healthy file may end before it (pages a transaction took and freed again are never
// written), so a cut that keeps the newest roots is not detected here; stores written mostly by
// appending keep their roots in their last pages. A missing directory or data file is left to
// lmdb-js, which creates the environment.
import { closeSync, existsSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** A path that is not a usable LMDB environment; names the path, what it was for and why. */
export class LmdbEnvironmentError extends Error {
  constructor(message: string, readonly path: string) {
    super(message);
    this.name = 'LmdbEnvironmentError';
  }
}

const PAGE_HEADER_BYTES = 24;
const P_META = 0x08;
const MDB_MAGIC = 0xbeefc0de;
const MDB_DATA_VERSION = 2;
const META_PSIZE = PAGE_HEADER_BYTES + 24;
const META_FREE_ROOT = PAGE_HEADER_BYTES + 64;
const META_MAIN_ROOT = PAGE_HEADER_BYTES + 112;
const META_TXNID = PAGE_HEADER_BYTES + 128;
const META_END = PAGE_HEADER_BYTES + 136;
const P_INVALID = 0xffff_ffff_ffff_ffffn;

interface Meta {
  readonly pageSize: number;
  readonly txnid: bigint;
  readonly roots: bigint[];
}

/** The meta page at `view`, or null when it is not one of this format. */
function readMeta(view: DataView): Meta | null {
  if (view.byteLength < META_END) return null;
  if ((view.getUint16(18, true) & P_META) === 0) return null;
  if (view.getUint32(PAGE_HEADER_BYTES, true) !== MDB_MAGIC) return null;
  if ((view.getUint32(PAGE_HEADER_BYTES + 4, true) & 0xffff) !== MDB_DATA_VERSION) return null;
  return {
    pageSize: view.getUint32(META_PSIZE, true),
    txnid: view.getBigUint64(META_TXNID, true),
    roots: [view.getBigUint64(META_FREE_ROOT, true), view.getBigUint64(META_MAIN_ROOT, true)],
  };
}

/**
 * Throws an LmdbEnvironmentError when `dir` (the environment's directory, as lmdb-js `open`
 * takes it) exists but is not a directory, or holds a data.mdb that is not an LMDB file of this
 * format or is shorter than its newest meta page says. `what` names the store in the message
 * (`model registry`, `journal`, ...).
 */
export function checkLmdbEnvironment(dir: string, what: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new LmdbEnvironmentError(`${what} ${dir} is a file, not an LMDB environment directory`, dir);
  const file = join(dir, 'data.mdb');
  if (!existsSync(file)) return;
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return;
    const head = Buffer.alloc(Math.min(size, 65536 + META_END));
    readSync(fd, head, 0, head.length, 0);
    const first = readMeta(new DataView(head.buffer, head.byteOffset, head.length));
    if (first === null) throw new LmdbEnvironmentError(`${what} ${dir}: ${file} is not an LMDB data file (its first page is not an LMDB meta page); is this the right directory?`, dir);
    const pageSize = first.pageSize;
    if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
      throw new LmdbEnvironmentError(`${what} ${dir}: ${file} names a page size of ${pageSize} bytes, which LMDB never writes; the file is damaged`, dir);
    }
    // The meta pages: 0 and 1 (and, with overlapping sync, the half page between): the newest counts.
    let newest = first;
    for (const offset of [pageSize / 2, pageSize]) {
      if (offset + META_END > head.length) continue;
      const meta = readMeta(new DataView(head.buffer, head.byteOffset + offset, META_END));
      if (meta !== null && meta.txnid > newest.txnid) newest = meta;
    }
    const pages = BigInt(Math.floor(size / pageSize));
    for (const root of newest.roots) {
      if (root !== P_INVALID && root >= pages) {
        throw new LmdbEnvironmentError(
          `${what} ${dir}: ${file} is cut short: its newest transaction (${newest.txnid}) has a database root at page ${root}, the file holds ${pages} pages of ${pageSize} bytes (${size} bytes); was it copied or written partly (a full disk)? Restore it from a complete copy`,
          dir,
        );
      }
    }
  } finally {
    closeSync(fd);
  }
}
