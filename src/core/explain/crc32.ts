import * as zlib from 'node:zlib';

let table: Uint32Array | undefined;

/** zlib's CRC-32 (unsigned), the checksum the SDK writes into explanation.json for each array. */
export const crc32: (data: Uint8Array) => number =
  (zlib as unknown as { crc32?: (d: Uint8Array) => number }).crc32 ??
  // For a Node without zlib.crc32 (it arrived in 20.15): the same polynomial, a byte at a time.
  ((data: Uint8Array): number => {
    if (!table) {
      table = new Uint32Array(256);
      for (let i = 0; i < 256; i++) {
        let c = i;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
        table[i] = c >>> 0;
      }
    }
    let c = 0xffffffff;
    for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]) & 0xff] ^ (c >>> 8);
    return ~c >>> 0;
  });
