import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** How a child process ended, with everything it printed. @internal */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running child with the store loaded. @internal */
export interface StoreChild {
  readonly process: ChildProcess;
  /** Resolves with the first stdout line matching `pattern`. */
  waitForLine(pattern: RegExp): Promise<string>;
  /** Resolves when the child exits (never rejects). */
  readonly exit: Promise<ChildExit>;
}

const STORE_ENTRY = fileURLToPath(new URL('./index.ts', import.meta.url));

/**
 * Runs `body` (ESM JavaScript) in a separate Node process where `store` is this folder's door
 * (`src/store/index.ts`, loaded through Vite's module runner, so no build is needed) and `args` is
 * the JSON-decoded `args`. For tests of what only another process can show: file locks, SIGKILL,
 * two processes racing on one row. `modules` loads more doors under the given names (a path
 * relative to `src/`, e.g. `{ registry: 'registry/index.ts' }`).
 * @internal
 * @example
 * const child = await spawnStoreChild(`await store.openMetadataDb({ url: args.url }); console.log('open');`, { url });
 * await child.exit;
 */
export async function spawnStoreChild(
  body: string,
  args: unknown = {},
  modules: Readonly<Record<string, string>> = {},
): Promise<StoreChild> {
  const vite = pathToFileURL(createRequire(import.meta.url).resolve('vite')).href;
  const dir = await mkdtemp(join(tmpdir(), 'bookml-child-'));
  const script = join(dir, 'child.mjs');
  const load = (name: string, entry: string) =>
    `const { module: ${name} } = await runnerImport(${JSON.stringify(entry)}, { configFile: false, logLevel: 'error' });`;
  await writeFile(
    script,
    [
      `import { runnerImport } from ${JSON.stringify(vite)};`,
      load('store', STORE_ENTRY),
      ...Object.entries(modules).map(([name, path]) =>
        load(name, fileURLToPath(new URL(`../${path}`, import.meta.url))),
      ),
      'const args = JSON.parse(process.env.BOOKML_CHILD_ARGS);',
      body,
    ].join('\n'),
  );
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, BOOKML_CHILD_ARGS: JSON.stringify(args) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const w of [...waiters]) {
      const line = stdout.split('\n').find((l) => w.pattern.test(l));
      if (line !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exit = new Promise<ChildExit>((resolve) => {
    child.on('close', (code, signal) => {
      void rm(dir, { recursive: true, force: true });
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    process: child,
    exit,
    waitForLine: (pattern) =>
      new Promise((resolve, reject) => {
        const line = stdout.split('\n').find((l) => pattern.test(l));
        if (line !== undefined) return resolve(line);
        waiters.push({ pattern, resolve });
        void exit.then((e) =>
          reject(new Error(`child exited (${e.code ?? e.signal}) before ${pattern}: ${e.stderr}`)),
        );
      }),
  };
}
