import * as fs from 'node:fs';
import * as readline from 'node:readline';
import { createGunzip } from 'node:zlib';

/**
 * The column names on a batch's first line (a CSV/TSV header, or the keys of the first JSON Lines record), to
 * offer as the prediction and actual columns. Reads at most 4 MB; empty when the line cannot be read (the
 * user then picks none, and the check says what is wrong with the file).
 */
export async function batchColumns(file: string): Promise<string[]> {
  const lower = file.toLowerCase();
  const gz = lower.endsWith('.gz');
  const base = gz ? lower.slice(0, -3) : lower;
  const raw = fs.createReadStream(file, { end: 4 * 1024 * 1024 });
  const input: NodeJS.ReadableStream = gz ? raw.pipe(createGunzip()) : raw;
  input.on('error', () => undefined);
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      if (/\.(jsonl|ndjson)$/.test(base)) {
        const v = JSON.parse(line) as unknown;
        return v && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v) : [];
      }
      return headerFields(line.replace(/^\uFEFF/, ''), /\.(tsv|tab)$/.test(base) ? '\t' : ',');
    }
    return [];
  } catch {
    return [];
  } finally {
    lines.close();
    raw.destroy();
  }
}

/** A header line's fields, with CSV quoting ("a,b" and "" inside quotes). */
function headerFields(line: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === sep) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter(Boolean);
}
