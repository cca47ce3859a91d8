import { parseForIngest, EventWarning, LineageEvent } from '../events/parseEvents';
import { FastMetricScanner, MetricColumns } from '../events/fastMetrics';
import { readNewLines } from './readNewLines';

export interface ParsedSlice {
  events: LineageEvent[];
  warnings: EventWarning[];
  metrics: Map<string, MetricColumns>;
  endOffset: number;
  lineCount: number;
}

/** Step 2 of an ingest (any thread): parse what was appended, a bounded slice at a time. */
export function* parseNewEvents(file: string, offset: number, size: number, firstLine: number): Generator<ParsedSlice> {
  let lineNo = firstLine;
  for (const slice of readNewLines(file, offset, size)) {
    const scanner = new FastMetricScanner();
    const batch = parseForIngest(slice.text, lineNo, scanner);
    const lineCount = countNewlines(slice.text);
    lineNo += lineCount;
    yield { events: batch.events, warnings: batch.warnings, metrics: scanner.metrics, endOffset: slice.endOffset, lineCount };
  }
}

function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
