import * as fs from 'node:fs';

/** Every descendant of `pid` (Linux /proc); processes that left the group with setsid are found this way. */
export function descendants(pid: number): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const e of entries) {
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      // The command name may hold spaces and parentheses; the ppid is the 2nd field after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(e));
      children.set(ppid, list);
    } catch {
      /* gone already */
    }
  }
  const out: number[] = [];
  const stack = [pid];
  while (stack.length) {
    for (const c of children.get(stack.pop()!) ?? []) {
      out.push(c);
      stack.push(c);
    }
  }
  return out;
}

/** Signals the process group and every descendant, so no grandchild keeps training after Stop. */
export function signalTree(pid: number, signal: NodeJS.Signals): void {
  const all = descendants(pid);
  try {
    process.kill(-pid, signal);
  } catch {
    /* not a group leader, or gone */
  }
  for (const p of [pid, ...all]) {
    try {
      process.kill(p, signal);
    } catch {
      /* gone */
    }
  }
}
