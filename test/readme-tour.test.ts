import { type ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bookmlBin, hasBuiltBin } from './fixtures/cli.js';

/**
 * The README's tour is a script: every `sh` block of "## A short tour" runs top to bottom, as a new user
 * would type it, on a fresh workspace beside a copy of `../shared` — and every command must succeed.
 * `bookml` is the built CLI; a line ending in `&` is a server started in the background (the tour waits
 * for its first line); the ports 8080/8081/8470/8471/12000 are swapped for free ones so parallel tests
 * never collide.
 */
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const shared = resolve(repo, '..', 'shared');

/** The tour's commands, in order: `sh` blocks between "## A short tour" and the next "## " heading. */
export function tourCommands(readme: string): string[] {
  const start = readme.indexOf('\n## A short tour');
  if (start < 0) throw new Error('README.md has no "## A short tour" section');
  const end = readme.indexOf('\n## ', start + 5);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const commands: string[] = [];
  for (const block of section.matchAll(/```sh\n([\s\S]*?)```/g)) {
    let pending = '';
    for (const raw of block[1].split('\n')) {
      const line = raw.replace(/\s+#(?!\S*['"]).*$/, '').trimEnd();
      if (line.trim() === '' && pending === '') continue;
      if (line.endsWith('\\')) {
        pending += `${line.slice(0, -1)} `;
        continue;
      }
      const cmd = (pending + line).trim();
      pending = '';
      if (cmd !== '') commands.push(cmd);
    }
  }
  return commands;
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

const home = mkdtempSync(join(tmpdir(), 'bookml-tour-'));
const work = join(home, 'work');
const background: ChildProcess[] = [];

afterAll(async () => {
  await Promise.all(
    background.map(
      (c) =>
        new Promise<void>((done) => {
          if (c.exitCode !== null || c.signalCode !== null) return done();
          const force = setTimeout(() => c.kill('SIGKILL'), 10_000);
          c.once('exit', () => {
            clearTimeout(force);
            done();
          });
          c.kill('SIGTERM');
        }),
    ),
  );
  rmSync(home, { recursive: true, force: true });
});

// The tour reads ../shared/datasets (beside the repository, as in CI); without it there is no tour to run.
describe.skipIf(!hasBuiltBin || !existsSync(shared))('the README tour', () => {
  it('runs top to bottom on a fresh workspace', async () => {
    mkdirSync(work);
    symlinkSync(shared, join(home, 'shared'));
    const bin = join(home, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'bookml'), `#!/bin/sh\nexec "${process.execPath}" "${bookmlBin}" "$@"\n`);
    chmodSync(join(bin, 'bookml'), 0o755);
    const ports = {
      8080: await freePort(),
      8081: await freePort(),
      8470: await freePort(),
      8471: await freePort(),
      12000: await freePort(),
    };
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
    };
    for (const k of [
      'BOOKML_HOME',
      'BOOKML_DATABASE_URL',
      'BOOKML_ARTIFACTS',
      'BOOKML_API_URL',
      'BOOKML_NATS_URL',
    ])
      delete env[k];
    const commands = tourCommands(readFileSync(join(repo, 'README.md'), 'utf8'));
    expect(commands.length).toBeGreaterThan(20);
    for (const original of commands) {
      let cmd = original;
      for (const [from, to] of Object.entries(ports)) cmd = cmd.replaceAll(`${from}`, `${to}`);
      if (cmd.endsWith('&')) {
        const child = spawn('sh', ['-c', `exec ${cmd.slice(0, -1)}`], { cwd: work, env, stdio: 'pipe' });
        background.push(child);
        let err = '';
        child.stderr?.on('data', (d) => {
          err += String(d);
        });
        await new Promise<void>((res, rej) => {
          const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
          lines.once('line', () => res());
          child.once('exit', (code) =>
            rej(new Error(`\`${original}\` exited ${code} before it was ready:\n${err}`)),
          );
        });
        continue;
      }
      const result = await new Promise<{ code: number | null; out: string }>((res) => {
        const child = spawn('sh', ['-c', cmd], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout?.on('data', (d) => {
          out += String(d);
        });
        child.stderr?.on('data', (d) => {
          out += String(d);
        });
        child.once('exit', (code) => res({ code, out }));
      });
      expect(result.code, `\`${original}\` failed:\n${result.out.slice(-3000)}`).toBe(0);
    }
  }, 600_000);
});
