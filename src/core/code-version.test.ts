import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { headFromFiles } from './code-version.js';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'ignore'] })
    .toString()
    .trim();
const tmp = mkdtempSync(join(tmpdir(), 'bookml-code-version-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let hasGit = true;
try {
  git(tmp, '--version');
} catch {
  hasGit = false;
}

function repo(name: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  git(dir, 'init', '-q', '-b', 'main');
  writeFileSync(join(dir, 'a.txt'), 'a');
  git(dir, 'add', '.');
  git(dir, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'one');
  return dir;
}

describe.skipIf(!hasGit)('headFromFiles (reason: needs git to make checkouts)', () => {
  it('reads what git rev-parse HEAD says: a loose branch, a packed branch, a detached HEAD, a worktree', () => {
    const dir = repo('plain');
    expect(headFromFiles(dir)).toBe(git(dir, 'rev-parse', 'HEAD'));

    git(dir, 'pack-refs', '--all');
    expect(headFromFiles(dir)).toBe(git(dir, 'rev-parse', 'HEAD'));

    git(dir, 'checkout', '-q', '--detach');
    expect(headFromFiles(dir)).toBe(git(dir, 'rev-parse', 'HEAD'));
    git(dir, 'checkout', '-q', 'main');

    const wt = join(tmp, 'wt');
    git(dir, 'worktree', 'add', '-q', '-b', 'side', wt);
    writeFileSync(join(wt, 'b.txt'), 'b');
    git(wt, 'add', '.');
    git(wt, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'two');
    expect(headFromFiles(wt)).toBe(git(wt, 'rev-parse', 'HEAD'));
    expect(headFromFiles(wt)).not.toBe(headFromFiles(dir));
  });

  it('is null where there is no checkout, or a HEAD it does not understand (git is asked then)', () => {
    expect(headFromFiles(join(tmp, 'nowhere'))).toBeNull();
    const odd = join(tmp, 'odd');
    mkdirSync(join(odd, '.git'), { recursive: true });
    writeFileSync(join(odd, '.git', 'HEAD'), 'ref: refs/heads/missing\n');
    expect(headFromFiles(odd)).toBeNull();
  });
});
