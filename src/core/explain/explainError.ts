/** An explanation that cannot be read or shown as asked; the message says what to do next (re-run, rebuild, pick another). */
export class ExplainError extends Error {}
