import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Which code made something: the package version and, in a git checkout, the commit. */
export interface CodeVersion {
  version: string;
  gitSha: string | null;
}

let cached: CodeVersion | undefined;

/** Read once per process: package.json's version and `git rev-parse HEAD` when available. */
export function codeVersion(): CodeVersion {
  if (cached) return cached;
  const pkgUrl = new URL('../../package.json', import.meta.url);
  let version = '0.0.0';
  try {
    version = (JSON.parse(readFileSync(pkgUrl, 'utf8')) as { version: string }).version;
  } catch {
    // A bundled or relocated build has no package.json beside it; the version stays unknown.
  }
  let gitSha: string | null = null;
  try {
    gitSha = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: new URL('../..', import.meta.url),
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 2000,
    })
      .toString()
      .trim();
  } catch {
    gitSha = process.env.BOOKML_GIT_SHA ?? null;
  }
  cached = { version, gitSha };
  return cached;
}
