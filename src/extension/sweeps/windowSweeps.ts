import type * as vscode from 'vscode';

const KEY = 'lineage.sweeps.ranHere';

/**
 * The sweeps this workspace's window has been running, kept in its workspace state: a window reload (or a
 * closed window opened again) finds a sweep here still `running` in .lineage/sweeps and goes on with it
 * without asking, since nobody stopped it. Sweeps started elsewhere (a terminal) are not here, so they are
 * offered as lineage.sweeps.resume says.
 */
export class WindowSweeps {
  constructor(private readonly memento: vscode.Memento) {}

  ids(): string[] {
    const v = this.memento.get<unknown>(KEY, []);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  }

  add(id: string): Thenable<void> {
    const ids = this.ids();
    return ids.includes(id) ? Promise.resolve() : this.memento.update(KEY, [...ids, id]);
  }

  remove(ids: readonly string[]): Thenable<void> {
    const now = this.ids();
    const left = now.filter((id) => !ids.includes(id));
    return left.length === now.length ? Promise.resolve() : this.memento.update(KEY, left);
  }
}
