import { execFile } from 'node:child_process';
import * as os from 'node:os';
import type { PythonInfo } from '../runs/runRecord';

// importlib.metadata is in the standard library from 3.8, so no pip is needed to list what is installed.
const PROBE = `
import sys, json
try:
    from importlib import metadata
    pk = {}
    for d in metadata.distributions():
        n = d.metadata.get("Name")
        if n and n not in pk:
            pk[n] = d.version
except Exception:
    pk = {}
print(json.dumps({"path": sys.executable, "version": sys.version.split()[0], "packages": [{"name": k, "version": v} for k, v in sorted(pk.items(), key=lambda kv: kv[0].lower())]}))
`;

export function capturePython(interpreter: string, cwd: string): Promise<PythonInfo | undefined> {
  return new Promise((resolve) => {
    const probe = execFile(interpreter, ['-I', '-c', PROBE], { cwd, timeout: 30000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => {
      if (err) return resolve(undefined);
      try {
        resolve(JSON.parse(stdout) as PythonInfo);
      } catch {
        resolve(undefined);
      }
    });
    // A second interpreter reading every installed package's metadata runs while the script starts: at a low
    // priority it takes mostly CPU the script leaves idle. Not the lowest: on cores the script keeps busy it
    // still gets ~10%, so even a large environment is listed well within the timeout.
    try {
      if (probe.pid) os.setPriority(probe.pid, 10);
    } catch {
      /* not allowed here: it runs at normal priority */
    }
  });
}
