/** An instant (ms since the epoch, as a datetime column's values and histogram edges are) as an ISO date, with
 *  the time of day (UTC) when it has one; for the Drift panel and the HTML report. */
export function instantText(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const iso = new Date(ms).toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.slice(0, 19).replace('T', ' ');
}
