import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * The user's trash folder, where a plain rename can put things: the freedesktop home trash on Linux and
 * the BSDs ($XDG_DATA_HOME/Trash), ~/.Trash on macOS. Windows' recycle bin needs a shell API, so none.
 */
export function systemTrashDir(): string | undefined {
  if (process.platform === 'win32') return undefined;
  if (process.platform === 'darwin') return path.join(os.homedir(), '.Trash');
  const dataHome =
    process.env.XDG_DATA_HOME && path.isAbsolute(process.env.XDG_DATA_HOME) ? process.env.XDG_DATA_HOME : path.join(os.homedir(), '.local', 'share');
  return path.join(dataHome, 'Trash');
}

/**
 * Moves a file or folder into a freedesktop-style trash (files/ + info/NAME.trashinfo), so the desktop's
 * trash can show and restore it. Returns where it went, or undefined when it cannot be moved there by a
 * rename (another filesystem, no permission): the caller then tries elsewhere, nothing is half-moved.
 */
export function moveToTrashDir(target: string, trashDir: string, freedesktop = process.platform !== 'darwin'): string | undefined {
  const files = freedesktop ? path.join(trashDir, 'files') : trashDir;
  const info = path.join(trashDir, 'info');
  try {
    fs.mkdirSync(files, { recursive: true, mode: 0o700 });
    if (freedesktop) fs.mkdirSync(info, { recursive: true, mode: 0o700 });
  } catch {
    return undefined;
  }
  const base = path.basename(target);
  for (let n = 1; n < 1000; n++) {
    const name = n === 1 ? base : `${base}.${n}`;
    const dest = path.join(files, name);
    const infoFile = path.join(info, `${name}.trashinfo`);
    if (freedesktop) {
      // The spec reserves a name by creating its .trashinfo exclusively, so two deleters never collide.
      try {
        fs.writeFileSync(infoFile, trashInfo(target), { flag: 'wx', mode: 0o600 });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
        return undefined;
      }
    }
    if (fs.existsSync(dest)) {
      if (freedesktop) fs.rmSync(infoFile, { force: true });
      continue;
    }
    try {
      fs.renameSync(target, dest);
      return dest;
    } catch {
      if (freedesktop) fs.rmSync(infoFile, { force: true });
      return undefined;
    }
  }
  return undefined;
}

function trashInfo(target: string): string {
  const d = new Date();
  const p2 = (v: number) => String(v).padStart(2, '0');
  const local = `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())}T${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`;
  const encoded = path.resolve(target).split('/').map(encodeURIComponent).join('/');
  return `[Trash Info]\nPath=${encoded}\nDeletionDate=${local}\n`;
}

/**
 * The desktop's own trash command, for a folder on another filesystem than the home trash (gio knows each
 * mount's .Trash-UID). True when it took the folder.
 */
export function trashWithDesktopTool(target: string): boolean {
  if (process.platform === 'win32' || process.platform === 'darwin') return false;
  for (const [cmd, args] of [
    ['gio', ['trash', '--', target]],
    ['trash-put', ['--', target]],
  ] as const) {
    const r = spawnSync(cmd, args, { stdio: 'ignore', timeout: 30_000 });
    if (r.status === 0 && !fs.existsSync(target)) return true;
  }
  return false;
}
