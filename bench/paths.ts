import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, found from this file whether it runs from bench/ or its build output. */
function findRoot(): string {
  let dir = fileURLToPath(new URL('.', import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = resolve(dir, '..');
  return dir;
}

export const repoRoot = findRoot();
/** `shared/` sits beside the repository (its peers, datasets and specs). */
export const sharedDir = process.env.BOOKML_SHARED ?? resolve(repoRoot, '..', 'shared');
export const peersDir = join(sharedDir, 'peers');
/** Debian's interpreter: the one that sees python3-sklearn. */
export const SYSTEM_PYTHON = '/usr/bin/python3';
