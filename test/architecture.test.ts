import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');

/**
 * Which folders each folder may import (DESIGN.md: cli/api → pipelines → pipeline, registry,
 * serve, monitor, triggers → model, eval, data → store; core is beneath everything).
 */
const ALLOWED: Record<string, string[]> = {
  core: [],
  store: ['core'],
  data: ['core', 'store'],
  model: ['core', 'store', 'data'],
  eval: ['core', 'store', 'data'],
  tune: ['core', 'store', 'data', 'model', 'eval'],
  pipeline: ['core', 'store'],
  registry: ['core', 'store', 'data', 'model', 'eval'],
  serve: ['core', 'store', 'data', 'model', 'registry'],
  monitor: ['core', 'store', 'data', 'model'],
  triggers: ['core', 'store'],
  k8s: ['core', 'pipeline'],
  deploy: ['core', 'pipeline'],
  pipelines: ['core', 'store', 'data', 'model', 'eval', 'tune', 'pipeline', 'registry'],
  app: [
    'core',
    'store',
    'data',
    'model',
    'eval',
    'tune',
    'pipeline',
    'pipelines',
    'registry',
    'serve',
    'monitor',
    'triggers',
    'k8s',
    'api',
  ],
  api: [
    'core',
    'store',
    'data',
    'model',
    'eval',
    'tune',
    'pipeline',
    'pipelines',
    'registry',
    'serve',
    'monitor',
    'triggers',
    'k8s',
  ],
  cli: [
    'core',
    'store',
    'data',
    'model',
    'eval',
    'tune',
    'pipeline',
    'pipelines',
    'registry',
    'serve',
    'monitor',
    'triggers',
    'k8s',
    'deploy',
    'api',
    'app',
  ],
};

/** What step code in `pipelines/` may not do: its context (`ctx`) is its only way out. */
const PIPELINES_FORBIDDEN: Array<[string, RegExp]> = [
  ['reads the environment', /process\.env/],
  ['finds the workspace itself', /\bresolveWorkspace\b|process\.cwd\(/],
  ['opens a store', /\bopenMetadataDb\b|\bopenArtifactStore\b|\bnew (?:Registry|RunStore|EventLog)\(/],
  ['loads a database driver', /from '(?:pg|better-sqlite3|kysely)'|import\('(?:pg|better-sqlite3|kysely)'\)/],
  ["uses the OS temp folder (ctx.scratchDir is the step's)", /\btmpdir\(/],
  ['spawns processes', /node:child_process/],
  ["reads its code version itself (ctx.codeVersion is the runtime's)", /\bcodeVersion\(\)/],
];

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const IMPORT = /(?:import|export)\s[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g;

interface Edge {
  file: string;
  from: string;
  to: string;
  target: string;
  typeOnly: boolean;
}

function edges(): Edge[] {
  const out: Edge[] = [];
  for (const file of walk(src)) {
    if (file.endsWith('.test.ts') || file.endsWith('.contract.ts')) continue;
    const from = relative(src, file).split(sep)[0];
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2];
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec);
      const rel = relative(src, target);
      if (rel.startsWith('..')) continue;
      const to = rel.split(sep)[0];
      if (to === from) continue;
      out.push({
        file: relative(src, file),
        from,
        to,
        target: rel,
        typeOnly: /^(import|export) type/.test(m[0]),
      });
    }
  }
  return out;
}

/**
 * Every package a module loads when it is imported: its static value imports (not `import type`,
 * not `import()`), followed through relative files.
 */
function packagesLoadedBy(entry: string): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const STATIC = /^(?:import|export)\s(?!type\s)[^'"]*?from\s+'([^']+)'/gm;
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(STATIC)) {
      const spec = m[1];
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec).replace(/\.js$/, '.ts'));
      else if (!spec.startsWith('node:')) packages.add(spec);
    }
  };
  visit(join(src, entry));
  return packages;
}

describe('architecture', () => {
  const all = edges();

  it('every top-level folder is a known concept', () => {
    const folders = readdirSync(src).filter((n) => statSync(join(src, n)).isDirectory());
    expect(folders.filter((f) => !(f in ALLOWED))).toEqual([]);
  });

  it('dependencies point one way', () => {
    const bad = all.filter((e) => !ALLOWED[e.from]?.includes(e.to)).map((e) => `${e.file} → ${e.target}`);
    expect(bad).toEqual([]);
  });

  it('folders are entered only through their index.ts (or a sub-door, <folder>/<part>/index.ts)', () => {
    // A sub-door lets a light part load alone (store/artifacts without the database stack).
    const door = (e: Edge) =>
      new RegExp(`^${e.to}(/[a-z0-9-]+)?/index\\.[jt]s$`).test(e.target.split(sep).join('/'));
    const bad = all.filter((e) => !door(e)).map((e) => `${e.file} → ${e.target}`);
    expect(bad).toEqual([]);
  });

  it('the artifact-store door loads no database stack (train and recommend enter store there)', () => {
    const loaded = [...packagesLoadedBy('store/artifacts/index.ts')];
    expect(loaded.filter((p) => /^(kysely|pg|better-sqlite3)$/.test(p))).toEqual([]);
    // The check itself sees the database stack behind the full door.
    expect([...packagesLoadedBy('store/index.ts')]).toContain('kysely');
  });

  it('the prediction-log door loads no database stack (serve writes and monitor reads through it)', () => {
    const loaded = [...packagesLoadedBy('store/predictions/index.ts')];
    expect(loaded.filter((p) => /^(kysely|pg|better-sqlite3)$/.test(p))).toEqual([]);
  });

  it('pipeline step code reaches stores, the environment and the file system only through ctx', () => {
    const bad: string[] = [];
    for (const file of walk(join(src, 'pipelines'))) {
      if (file.endsWith('.test.ts')) continue;
      const text = readFileSync(file, 'utf8');
      const rel = relative(src, file);
      for (const [rule, pattern] of PIPELINES_FORBIDDEN) if (pattern.test(text)) bad.push(`${rel}: ${rule}`);
    }
    const storeValues = all.filter((e) => e.from === 'pipelines' && e.to === 'store' && !e.typeOnly);
    for (const e of storeValues) bad.push(`${e.file}: imports the store (${e.target})`);
    expect(bad).toEqual([]);
  });

  it('the API client door loads nothing but node:* modules (a step pod loads it without Fastify or drivers)', () => {
    const seen = new Set<string>();
    const external = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      // Doc comments hold example imports; only code counts.
      const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
      for (const m of code.matchAll(IMPORT)) {
        if (/^(import|export) type/.test(m[0])) continue;
        const spec = m[1] ?? m[2];
        if (spec.startsWith('.')) visit(resolve(dirname(file), spec).replace(/\.js$/, '.ts'));
        else if (!spec.startsWith('node:')) external.add(`${relative(src, file)} → ${spec}`);
      }
    };
    visit(join(src, 'api', 'client', 'index.ts'));
    expect([...external]).toEqual([]);
    // Its own folder, core, and the artifact store's light part (the manifest format); never store/index.ts.
    const reached = [...seen].map((f) => relative(src, f).split(sep).join('/'));
    expect(reached.filter((f) => !/^(api|core|store)\//.test(f) || f === 'store/index.ts')).toEqual([]);
  });
});
