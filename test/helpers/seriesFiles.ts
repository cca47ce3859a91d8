import * as fs from 'node:fs';
import type { Store } from '../../src/core/store/store';
import { forgetIndexes, readIndex, RECORD_HEADER, seriesFile, SeriesIndex, writeRecords } from '../../src/core/metrics/seriesFile';

/** The cache file of a series and its chunk records, as the reader sees them. */
export function seriesIndexOf(store: Store, runId: string, key: string): SeriesIndex {
  forgetIndexes();
  const idx = readIndex(seriesFile(store.paths.root, runId, key));
  if (!idx) throw new Error(`no series file for ${runId}/${key}`);
  return idx;
}

/** Garbage over the points of the chunks `which` picks: any read of them fails its checksum. */
export function breakChunks(store: Store, runId: string, key: string, which: (seq: number, last: number) => boolean = () => true): void {
  const idx = seriesIndexOf(store, runId, key);
  const fd = fs.openSync(idx.file, 'r+');
  try {
    for (const c of idx.chunks)
      if (which(c.seq, idx.chunks.length - 1))
        fs.writeSync(fd, Buffer.alloc(Math.min(16, c.payloadLen), 0xff), 0, Math.min(16, c.payloadLen), c.offset + RECORD_HEADER);
  } finally {
    fs.closeSync(fd);
  }
  forgetIndexes();
}

/** Rewrites the file with no coarse copy for the chunks `which` picks (as a store written before there were any). */
export function dropCoarseCopies(store: Store, runId: string, key: string, which: (seq: number) => boolean = () => true): void {
  const idx = seriesIndexOf(store, runId, key);
  const bytes = fs.readFileSync(idx.file);
  const records = idx.chunks.map((c) => {
    const at = c.offset + RECORD_HEADER;
    return {
      payload: bytes.subarray(at, at + c.payloadLen),
      lod: which(c.seq) ? null : bytes.subarray(at + c.payloadLen, at + c.payloadLen + c.lodLen),
      n: c.n,
      firstStep: c.firstStep,
      lastStep: c.lastStep,
    };
  });
  writeRecords(idx.file, records);
  forgetIndexes();
}
