import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ErrorEntry } from '../src/core/index.js';

/**
 * The error catalogue: every folder declares its codes in its `errors.ts` with `defineErrors`, as one
 * `<AREA>_ERRORS` export. Codes are `AREA_WHAT`, unique across bookml and keyed by themselves; no code is
 * thrown as a bare literal; and docs/errors.md's tables are exactly what the catalogues generate.
 * `npm run docs:errors` (UPDATE_ERRORS=1) rewrites them.
 */
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(repo, 'src');
const reference = join(repo, 'docs', 'errors.md');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
const sources = walk(src).filter((p) => p.endsWith('.ts') && !p.endsWith('.test.ts'));

interface Catalogue {
  /** Export name, e.g. `DATA_ERRORS`. */
  name: string;
  /** Folder of its errors.ts, e.g. `src/pipeline/executor`. */
  folder: string;
  entries: [string, ErrorEntry][];
}

async function catalogues(): Promise<{ found: Catalogue[]; otherShapes: string[] }> {
  const found: Catalogue[] = [];
  const otherShapes: string[] = [];
  for (const file of sources.filter((p) => p.endsWith('/errors.ts'))) {
    const folder = relative(repo, dirname(file));
    const mod = (await import(file)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(mod)) {
      if (/^[A-Z][A-Z0-9]*_ERRORS$/.test(name) && value !== null && typeof value === 'object') {
        found.push({ name, folder, entries: Object.entries(value as Record<string, ErrorEntry>) });
      } else if (/ERROR_CODES|ErrorCodes/.test(name)) {
        otherShapes.push(`${folder}: ${name}`);
      }
    }
  }
  return { found, otherShapes };
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The generated part of docs/errors.md: one table per catalogue, areas alphabetically, codes as declared. */
function render(cats: Catalogue[]): string {
  return [...cats]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((c) =>
      [
        `### ${c.name.replace(/_ERRORS$/, '')} — \`${c.name}\` in ${c.folder}`,
        '',
        '| code | HTTP | exit | retryable | when |',
        '|---|---|---|---|---|',
        ...c.entries.map(
          ([, e]) =>
            `| \`${e.code}\` | ${e.status} | ${e.exitCode} | ${e.retryable ? 'yes' : 'no'} | ${cell(e.description)} |`,
        ),
      ].join('\n'),
    )
    .join('\n\n');
}

const BEGIN = '<!-- codes:begin -->';
const END = '<!-- codes:end -->';

describe('error codes', async () => {
  const { found, otherShapes } = await catalogues();
  const all = found.flatMap((c) => c.entries.map(([key, e]) => ({ key, entry: e, catalogue: c })));

  it('every folder uses one catalogue shape: `<AREA>_ERRORS = defineErrors(AREA, …)`', () => {
    expect(found.length).toBeGreaterThanOrEqual(10);
    expect(otherShapes, 'old catalogue shapes left').toEqual([]);
    for (const c of found) {
      for (const [, e] of c.entries) {
        expect(e.area, `${c.name}.${e.code}`).toBe(c.name.replace(/_ERRORS$/, ''));
        expect(Object.isFrozen(e), `${c.name}.${e.code} is not from defineErrors`).toBe(true);
      }
    }
  });

  it('are AREA_WHAT, keyed by themselves', () => {
    expect(all.length).toBeGreaterThan(20);
    for (const { key, entry } of all) {
      expect(entry.code).toMatch(/^[A-Z][A-Z0-9]*_[A-Z0-9_]+$/);
      expect(key).toBe(entry.code);
    }
  });

  it('are unique across bookml: one code, one catalogue', () => {
    const owner = new Map<string, string>();
    const clashes: string[] = [];
    for (const { entry, catalogue } of all) {
      const seen = owner.get(entry.code);
      if (seen !== undefined) clashes.push(`${entry.code}: ${seen} and ${catalogue.name}`);
      owner.set(entry.code, catalogue.name);
    }
    expect(clashes).toEqual([]);
  });

  it('are never thrown as literals: a code lives in its catalogue', () => {
    const literals: string[] = [];
    for (const file of sources) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/new BookmlError\(\s*['"`]([^'"`]*)/g))
        literals.push(`${relative(repo, file)}: ${m[1]}`);
    }
    expect(literals, 'use the folder error class with a catalogue code').toEqual([]);
  });

  it('docs/errors.md holds exactly the generated tables', () => {
    const generated = render(found);
    const text = readFileSync(reference, 'utf8');
    const start = text.indexOf(BEGIN);
    const end = text.indexOf(END);
    expect(start, 'docs/errors.md lacks the codes markers').toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(start);
    const current = text.slice(start + BEGIN.length, end).trim();
    if (process.env.UPDATE_ERRORS === '1' && current !== generated) {
      writeFileSync(reference, `${text.slice(0, start + BEGIN.length)}\n${generated}\n${text.slice(end)}`);
      return;
    }
    expect(current, 'run `npm run docs:errors`').toBe(generated);
  });
});
