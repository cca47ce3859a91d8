/** Turns what went wrong into one sentence a user can act on: no stack traces (LINEAGE_DEBUG=1 shows them). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { safe } from './format';
import { NoWorkspaceError } from '../core/workspace';
import { IndexUnusableError } from '../core/store/store';

/** Something the user can fix, already said in words (a missing workspace, a folder where the index should be). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** The nearest folder that exists at or above `p`, and why it cannot be written in (EROFS, EACCES), if it cannot. */
function unwritableAncestor(p: string): { dir: string; code: string } | undefined {
  let dir = path.resolve(p);
  while (!fs.existsSync(dir)) {
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return undefined;
  } catch (err) {
    return { dir, code: (err as NodeJS.ErrnoException).code ?? 'EACCES' };
  }
}

export function describeError(err: unknown): string {
  if (err instanceof CliError || err instanceof NoWorkspaceError || err instanceof IndexUnusableError) return safe(err.message);
  const e = err as NodeJS.ErrnoException;
  const where = e?.path ? safe(e.path) : 'a file';
  let code = e?.code;
  // mkdir -p under a read-only folder says ENOENT (the folder it tried first is not there): find the real cause.
  if (code === 'ENOENT' && e.syscall === 'mkdir' && e.path) {
    const cause = unwritableAncestor(e.path);
    if (cause) return describeError(Object.assign(new Error(cause.code), { code: cause.code, path: cause.dir, syscall: 'open' }));
  }
  if (code === 'EPERM' && e.syscall !== 'kill') code = 'EACCES';
  switch (code) {
    case 'EROFS':
      return `could not write ${where}: the file system is read-only; record runs in a writable folder (--workspace DIR) or remount it read-write.`;
    case 'EACCES':
      return `could not ${e.syscall === 'open' || e.syscall === 'scandir' ? 'open' : 'write'} ${where}: permission denied; check who owns the folder and its permissions.`;
    case 'ENOSPC':
    case 'EDQUOT':
      return `could not write ${where}: the disk is full; free some space and try again (your runs are safe in .lineage/runs).`;
    case 'EISDIR':
      return `${where} is a folder where Lineage expects a file; move it out of the way and run \`lineage db rebuild\`.`;
    case 'ENOTDIR':
      return `a file is in the way of ${where}, where Lineage expects a folder; move that file out of the way and try again.`;
    case 'EMFILE':
    case 'ENFILE':
      return 'too many files are open; close some programs (or raise `ulimit -n`) and try again.';
  }
  const message = e instanceof Error ? e.message : String(err);
  return safe(message.split('\n')[0]);
}
