import * as zlib from 'node:zlib';

let table: Uint32Array | undefined;

/** For a Node without zlib.crc32 (it arrived in 20.15): the same polynomial, a byte at a time. */
function crc32Fallback(data: Uint8Array, value = 0): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[i] = c >>> 0;
    }
  }
  let c = ~value >>> 0;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/**
 * zlib's CRC-32 (unsigned; `value` continues an earlier checksum): the checksum of the metric series' chunk
 * records and of the arrays the SDK writes for explanations (Python's zlib.crc32 gives the same number).
 */
export const crc32: (data: Uint8Array, value?: number) => number =
  (zlib as unknown as { crc32?: (d: Uint8Array, v?: number) => number }).crc32 ?? crc32Fallback;
