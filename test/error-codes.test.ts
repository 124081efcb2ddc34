import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The error catalogue: every folder's codes are `AREA_WHAT`, unique across bookml, keyed by
 * themselves, and listed in docs/errors.md — the reference users look a code up in. Run with
 * UPDATE_ERRORS=1 to rewrite the list part of the reference after adding codes.
 */
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(repo, 'src');
const reference = join(repo, 'docs', 'errors.md');

interface Code {
  code: string;
  folder: string;
  key?: string;
  status?: number;
}

const folders = readdirSync(src).filter(
  (f) => statSync(join(src, f)).isDirectory() && existsSync(join(src, f, 'index.ts')),
);

/** Codes exported by a folder's door: objects or arrays whose export name says they are error codes. */
async function cataloguedCodes(folder: string): Promise<Code[]> {
  const door = (await import(join(src, folder, 'index.ts'))) as Record<string, unknown>;
  const out: Code[] = [];
  for (const [name, value] of Object.entries(door)) {
    if (!/ERROR_CODES|ErrorCodes|_ERRORS$/.test(name) || value === null || typeof value !== 'object')
      continue;
    if (Array.isArray(value)) {
      for (const code of value) out.push({ code: String(code), folder });
      continue;
    }
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      if (typeof v === 'string') out.push({ code: v, folder, key });
      else if (v && typeof v === 'object' && 'code' in v)
        out.push({ code: String(v.code), folder, key, status: (v as { status?: number }).status });
    }
  }
  return out;
}

/** Codes passed as literals to `new BookmlError('…'` anywhere in src (outside tests). */
function literalCodes(): Code[] {
  const out: Code[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) {
        const text = readFileSync(p, 'utf8');
        for (const m of text.matchAll(/new BookmlError\(\s*'([A-Z0-9_]+)'/g))
          out.push({ code: m[1], folder: p.slice(src.length + 1).split('/')[0] });
      }
    }
  };
  walk(src);
  return out;
}

function renderList(codes: Code[]): string {
  const rows = [...new Map(codes.map((c) => [c.code, c])).values()].sort((a, b) =>
    a.code.localeCompare(b.code),
  );
  return rows.map((c) => `- \`${c.code}\` (src/${c.folder})`).join('\n');
}

const BEGIN = '<!-- codes:begin -->';
const END = '<!-- codes:end -->';

describe('error codes', async () => {
  const catalogued = (await Promise.all(folders.map(cataloguedCodes))).flat();
  const all = [...catalogued, ...literalCodes()];

  it('are AREA_WHAT, with each catalogue key equal to its code', () => {
    expect(catalogued.length).toBeGreaterThan(20);
    for (const c of all) expect(c.code, `${c.folder}`).toMatch(/^[A-Z][A-Z0-9]*_[A-Z0-9_]+$/);
    for (const c of catalogued) if (c.key !== undefined) expect(c.key).toBe(c.code);
  });

  it('are unique across bookml: one code, one folder', () => {
    const owner = new Map<string, string>();
    const clashes: string[] = [];
    for (const c of catalogued) {
      const seen = owner.get(c.code);
      if (seen !== undefined && seen !== c.folder) clashes.push(`${c.code}: ${seen} and ${c.folder}`);
      owner.set(c.code, c.folder);
    }
    expect(clashes).toEqual([]);
    const perFolder = catalogued.map((c) => `${c.folder}:${c.code}`);
    expect(new Set(perFolder).size).toBe(perFolder.length);
  });

  it('are all listed in docs/errors.md', () => {
    const list = renderList(all);
    const text = readFileSync(reference, 'utf8');
    const start = text.indexOf(BEGIN);
    const end = text.indexOf(END);
    expect(start, 'docs/errors.md lacks the codes markers').toBeGreaterThanOrEqual(0);
    const current = text.slice(start + BEGIN.length, end).trim();
    if (process.env.UPDATE_ERRORS === '1' && current !== list) {
      writeFileSync(reference, `${text.slice(0, start + BEGIN.length)}\n${list}\n${text.slice(end)}`);
      return;
    }
    const listed = new Set([...current.matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1]));
    const missing = [...new Set(all.map((c) => c.code))].filter((c) => !listed.has(c));
    expect(missing, 'run UPDATE_ERRORS=1 npx vitest run test/error-codes.test.ts').toEqual([]);
  });
});
