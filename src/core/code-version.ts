import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Which code made something: the package version and, in a git checkout, the commit. */
export interface CodeVersion {
  version: string;
  gitSha: string | null;
}

let cached: CodeVersion | undefined;

/** Read once per process: package.json's version and the checkout's commit (`HEAD`) when available. */
export function codeVersion(): CodeVersion {
  if (cached) return cached;
  const pkgUrl = new URL('../../package.json', import.meta.url);
  let version = '0.0.0';
  try {
    version = (JSON.parse(readFileSync(pkgUrl, 'utf8')) as { version: string }).version;
  } catch {
    // A bundled or relocated build has no package.json beside it; the version stays unknown.
  }
  // Not a file (a browser-like test environment serves modules over http): no checkout to read.
  const here = new URL('../..', import.meta.url);
  const root = here.protocol === 'file:' ? fileURLToPath(here) : null;
  const gitSha =
    (root === null ? null : (headFromFiles(root) ?? headFromGit(root))) ?? process.env.BOOKML_GIT_SHA ?? null;
  cached = { version, gitSha };
  return cached;
}

const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/**
 * `HEAD`'s commit read from the checkout's files, as `git rev-parse HEAD` would give it, without
 * starting git: every step process asks, and a git process costs it ~20 ms of CPU. Handles a detached
 * HEAD, a loose or packed branch ref and a worktree (`.git` as a `gitdir:` file); anything else
 * (no checkout, a symbolic ref chain, an unreadable file) returns null and git itself is asked.
 */
export function headFromFiles(root: string): string | null {
  try {
    // A worktree's `.git` is a file: reading `.git/HEAD` through it fails with ENOTDIR.
    const gitDir = join(root, '.git');
    return refTarget(gitDir, readFileSync(join(gitDir, 'HEAD'), 'utf8').trim());
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOTDIR') return null;
  }
  try {
    // A worktree: `.git` is a file naming the worktree's git dir, whose `commondir` holds the refs.
    const pointer = /^gitdir:\s*(.+)$/m.exec(readFileSync(join(root, '.git'), 'utf8'));
    if (pointer === null) return null;
    const gitDir = isAbsolute(pointer[1]) ? pointer[1] : resolve(root, pointer[1]);
    return refTarget(gitDir, readFileSync(join(gitDir, 'HEAD'), 'utf8').trim());
  } catch {
    return null;
  }
}

function refTarget(gitDir: string, head: string): string | null {
  if (SHA.test(head)) return head;
  const ref = /^ref:\s*(refs\/\S+)$/.exec(head)?.[1];
  if (ref === undefined) return null;
  let common = gitDir;
  try {
    common = resolve(gitDir, readFileSync(join(gitDir, 'commondir'), 'utf8').trim());
  } catch {
    // not a worktree: the refs are in gitDir itself
  }
  for (const dir of gitDir === common ? [gitDir] : [gitDir, common]) {
    try {
      const loose = readFileSync(join(dir, ref), 'utf8').trim();
      return SHA.test(loose) ? loose : null;
    } catch {
      // not loose here
    }
  }
  try {
    for (const line of readFileSync(join(common, 'packed-refs'), 'utf8').split('\n')) {
      const [sha, name] = line.split(' ');
      if (name === ref && SHA.test(sha)) return sha;
    }
  } catch {
    // no packed refs
  }
  return null;
}

function headFromGit(root: string): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 2000,
    })
      .toString()
      .trim();
  } catch {
    return null;
  }
}
