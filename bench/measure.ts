import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/** One whole-process run: wall time, peak resident memory, and what it printed. */
export interface ProcessRun {
  wallS: number;
  peakMiB: number | null;
  stdout: string;
}

const GNU_TIME = '/usr/bin/time';

/**
 * Run a command to completion, timing the whole process. Peak RSS comes from GNU time
 * (`%M`, KiB) when it is installed (Debian package `time`).
 */
export function runProcess(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<ProcessRun> {
  const timed = existsSync(GNU_TIME);
  const argv = timed ? ['-f', '__PEAK_KIB__=%M', cmd, ...args] : args;
  const bin = timed ? GNU_TIME : cmd;
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(bin, argv, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
      if (code !== 0)
        return reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${stderr.slice(-2000)}`));
      const m = /__PEAK_KIB__=(\d+)/.exec(stderr);
      resolve({ wallS, peakMiB: m ? Number(m[1]) / 1024 : null, stdout });
    });
  });
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The last line of stdout that parses as JSON. */
export function lastJson<T>(stdout: string): T {
  const lines = stdout.trim().split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      return JSON.parse(lines.slice(i).join('\n')) as T;
    } catch {
      // keep looking: pretty-printed JSON spans several lines
    }
  }
  throw new Error('no JSON in output');
}

/** Print rows as an aligned table. */
export function printTable(headers: string[], rows: (string | number)[][]): void {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const w = headers.map((_, c) => Math.max(...cells.map((r) => r[c].length)));
  for (const [i, r] of cells.entries()) {
    console.log(r.map((v, c) => (c === 0 ? v.padEnd(w[c]) : v.padStart(w[c]))).join('  '));
    if (i === 0) console.log(w.map((n) => '-'.repeat(n)).join('  '));
  }
}
