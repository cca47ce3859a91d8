/**
 * One measured process for bench/store_scale.mjs: wall time, peak RSS, a timeout, and a progress line while it
 * runs. Peak RSS is GNU time's %M (the process and the children it waited for) when /usr/bin/time exists,
 * and in any case the highest VmHWM read from /proc every 0.5 s (which is also what is reported for a process
 * that had to be killed).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const live = new Set();

/** Kills what is still running (the harness was interrupted). */
export function killAll() {
  for (const pgid of live) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {}
  }
}

function statusKB(pid, field) {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** The process and its descendants (by /proc/<pid>/task/*\/children). */
function tree(pid) {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      for (const t of fs.readdirSync(`/proc/${out[i]}/task`))
        for (const c of fs.readFileSync(`/proc/${out[i]}/task/${t}/children`, 'utf8').trim().split(/\s+/)) if (c) out.push(Number(c));
    } catch {}
  }
  return out;
}

export const mb = (kb) => `${(kb / 1024).toFixed(0)} MB`;

/**
 * Runs `cmd args` and resolves with { ok, code, signal, timedOut, wallMs, peakRssKB, stdout, stderrTail, error }.
 * ok = exited 0 within the timeout. `progress` (a label) prints a line every `progressMs` while it runs.
 */
export function measure(cmd, args, { cwd, env, timeoutMs = 0, progress, progressMs = 15_000, captureStdout = false } = {}) {
  const timeFile = path.join(os.tmpdir(), `store-scale-time-${process.pid}-${Math.random().toString(36).slice(2)}.txt`);
  const argv = TIME ? [TIME, ['-o', timeFile, '-f', '%M', cmd, ...args]] : [cmd, args];
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(argv[0], argv[1], { cwd, env, detached: true, stdio: ['ignore', captureStdout ? 'pipe' : 'ignore', 'pipe'] });
    live.add(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d) => (stderr = (stderr + d.toString('utf8')).slice(-8192)));
    let hwm = 0;
    let rss = 0;
    let timedOut = false;
    let exitedAt = 0;
    const sample = () => {
      let cur = 0;
      for (const pid of tree(child.pid)) {
        if (pid === child.pid && TIME) continue; // GNU time itself
        hwm = Math.max(hwm, statusKB(pid, 'VmHWM'));
        cur += statusKB(pid, 'VmRSS');
      }
      rss = cur;
    };
    const sampler = setInterval(sample, 500);
    const progressTimer = progress
      ? setInterval(() => console.log(`    … ${progress}: ${((performance.now() - t0) / 1000).toFixed(0)} s, RSS ${mb(rss)} (peak ${mb(hwm)})`), progressMs)
      : undefined;
    const killer =
      timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            sample();
            // The measured command first (so GNU time still reports on it), then anything it left behind.
            for (const pid of tree(child.pid).slice(TIME ? 1 : 0)) {
              try {
                process.kill(pid, 'SIGKILL');
              } catch {}
            }
            setTimeout(() => {
              try {
                process.kill(-child.pid, 'SIGKILL');
              } catch {}
            }, 2000).unref();
          }, timeoutMs)
        : undefined;
    child.on('exit', () => {
      exitedAt = performance.now();
    });
    child.on('error', (err) => {
      stderr += String(err);
    });
    child.on('close', (code, signal) => {
      const wallMs = (exitedAt || performance.now()) - t0;
      clearInterval(sampler);
      if (progressTimer) clearInterval(progressTimer);
      if (killer) clearTimeout(killer);
      live.delete(child.pid);
      let timeKB = 0;
      let innerSignal;
      if (TIME) {
        try {
          const text = fs.readFileSync(timeFile, 'utf8').trim();
          fs.rmSync(timeFile, { force: true });
          const lines = text.split('\n');
          timeKB = Number(lines[lines.length - 1]) || 0;
          const m = /terminated by signal (\d+)/.exec(text);
          if (m) innerSignal = Number(m[1]);
          const e = /exited with non-zero status (\d+)/.exec(text);
          if (e) code = Number(e[1]);
        } catch {}
      }
      const sig =
        signal ?? (innerSignal ? (Object.keys(os.constants.signals).find((k) => os.constants.signals[k] === innerSignal) ?? `signal ${innerSignal}`) : null);
      resolve({
        ok: code === 0 && !sig && !timedOut,
        code,
        signal: sig ?? null,
        timedOut,
        wallMs,
        peakRssKB: Math.max(timeKB, hwm),
        stdout,
        stderrTail: stderr.trim().split('\n').slice(-6).join('\n'),
      });
    });
  });
}

/** One line saying what went wrong with a measured process (for a figure that could not be taken). */
export function failure(r, what) {
  const how = r.timedOut ? `killed after the ${(r.wallMs / 1000).toFixed(0)} s timeout` : r.signal ? `ended by ${r.signal}` : `exited ${r.code}`;
  const err = r.stderrTail ? `: ${r.stderrTail.replace(/\s+/g, ' ').slice(0, 400)}` : '';
  return `${what} ${how} after ${(r.wallMs / 1000).toFixed(1)} s, peak RSS ${mb(r.peakRssKB)}${err}`;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
