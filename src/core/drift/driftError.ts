/** Input the drift engine cannot use (unreadable, malformed, truncated): the message names the file and, where
 *  there is one, the line, and says what to do. */
export class DriftInputError extends Error {}
