/**
 * Worker-thread entry (bundled as dist/ingestWorker.js): parses events files so a big ingest uses every
 * core while the main thread writes. A job's next slice is parsed only once the main thread has taken the
 * last one (`ack`), so however slow the writing (a loaded machine, a slow disk) at most one parsed slice
 * per job waits in memory; two jobs per worker keep it busy meanwhile.
 */
import { parentPort } from 'node:worker_threads';
import { parseNewEvents } from './parseNewEvents';
import type { MetricColumns } from '../events/fastMetrics';

export interface ParseRequest {
  id: number;
  file: string;
  offset: number;
  size: number;
  firstLine: number;
}

/** The main thread took job `ack`'s last slice. */
export interface ParseAck {
  ack: number;
}

export type ParseReply = { id: number; slice: import('./parseNewEvents').ParsedSlice; last: false } | { id: number; last: true; error?: string };

const taken = new Map<number, () => void>();

parentPort?.on('message', (m: ParseRequest | ParseAck) => {
  if ('ack' in m) {
    taken.get(m.ack)?.();
    taken.delete(m.ack);
    return;
  }
  void parseJob(m);
});

async function parseJob(req: ParseRequest): Promise<void> {
  try {
    for (const slice of parseNewEvents(req.file, req.offset, req.size, req.firstLine)) {
      // Typed arrays move to the main thread without a copy; plain arrays would be cloned element by element.
      const transfer: ArrayBuffer[] = [];
      const metrics = new Map<string, MetricColumns>();
      for (const [key, c] of slice.metrics) {
        const packed = { steps: Float64Array.from(c.steps), ts: Float64Array.from(c.ts), values: Float64Array.from(c.values), lines: [] as number[] };
        transfer.push(packed.steps.buffer, packed.ts.buffer, packed.values.buffer);
        metrics.set(key, packed);
      }
      const wasTaken = new Promise<void>((resolve) => taken.set(req.id, resolve));
      parentPort!.postMessage({ id: req.id, slice: { ...slice, metrics }, last: false }, transfer);
      await wasTaken;
    }
    parentPort!.postMessage({ id: req.id, last: true });
  } catch (err) {
    parentPort!.postMessage({ id: req.id, last: true, error: (err as Error).message });
  }
}
