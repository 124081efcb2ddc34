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
  pipeline: ['core', 'store'],
  registry: ['core', 'store', 'data', 'model', 'eval'],
  serve: ['core', 'store', 'data', 'model', 'registry'],
  monitor: ['core', 'store', 'data', 'model'],
  triggers: ['core', 'store'],
  k8s: ['core', 'pipeline'],
  pipelines: ['core', 'store', 'data', 'model', 'eval', 'pipeline', 'registry'],
  api: [
    'core',
    'store',
    'data',
    'model',
    'eval',
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
    'pipeline',
    'pipelines',
    'registry',
    'serve',
    'monitor',
    'triggers',
    'k8s',
    'api',
  ],
};

/**
 * Sub-doors: a light entry a process loads instead of its folder's whole door (a step pod loads the API
 * client, never Fastify; a step process loads the runner, never the compiler).
 */
const SUB_DOORS = ['api/client', 'pipeline/executor', 'pipeline/compile', 'pipeline/runner'];

/** True when `target` (relative to src, no extension change) is a folder's index or a sub-door's. */
function isDoor(target: string): boolean {
  const posix = target
    .split(sep)
    .join('/')
    .replace(/\.(js|ts)$/, '');
  const parts = posix.split('/');
  if (parts.length === 2 && parts[1] === 'index') return true;
  return SUB_DOORS.some((d) => posix === `${d}/index`);
}

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

  it('folders are entered only through their index.ts (or a named sub-door)', () => {
    const bad = all.filter((e) => !isDoor(e.target)).map((e) => `${e.file} → ${e.target}`);
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
    expect(
      [...seen].map((f) => relative(src, f).split(sep)[0]).filter((f) => f !== 'api' && f !== 'core'),
    ).toEqual([]);
  });
});
