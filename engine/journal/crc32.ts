// CRC-32 (IEEE 802.3: polynomial 0xEDB88320 reflected, initial and final XOR 0xFFFFFFFF), the
// checksum of zlib, gzip and PNG, over a byte range; table-driven, one byte per step. Node's
// zlib.crc32 arrives in Node 22 (we run 20), and no package of ours provides one. Its value for
// "123456789" is 0xCBF43926; test/journal-checksum.test.ts checks it against gzip's trailer.

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 of bytes [start, end) of `bytes`, as an unsigned 32-bit number. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
