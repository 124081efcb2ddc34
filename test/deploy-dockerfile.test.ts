/**
 * The image's invariants, read from the Dockerfile (no docker on this machine): multi-stage; the runtime
 * stage installs nothing, removes npm and its kin, copies only the built app from the build stage, runs as
 * 65532:65532 with writable paths under /tmp, and carries the code version from a build argument into the
 * variable codeVersion reads; `bookml` is on its PATH for the rendered pods' `command`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';
import { renderBundle } from '../src/deploy/index.js';
import { RESTRICTED_UID } from '../src/pipeline/compile/index.js';
import { getPipeline } from '../src/pipelines/index.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dockerfile = DockerfileParser.parse(readFileSync(path.join(repo, 'Dockerfile'), 'utf8'));
const froms = dockerfile.getFROMs();
const lastFrom = froms[froms.length - 1];
const runtime = dockerfile
  .getInstructions()
  .filter((i) => i.getRange().start.line > lastFrom.getRange().start.line);
const of = (keyword: string, list: Instruction[] = runtime) => list.filter((i) => i.getKeyword() === keyword);
const text = (i: Instruction) => i.getArgumentsContent() ?? '';

describe('Dockerfile', () => {
  it('is multi-stage and the runtime stage copies only the built app from the build stage', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    const build = froms[0].getBuildStage();
    expect(build).toBeTruthy();
    const copies = of('COPY');
    expect(copies.length).toBeGreaterThan(0);
    for (const c of copies) expect(c.getTextContent(), text(c)).toContain(`--from=${build}`);
    expect(copies.map(text).join('\n')).toMatch(/\/dist /);
  });

  it('the runtime stage runs no package manager or compiler and removes npm, npx, corepack and yarn', () => {
    const runs = of('RUN').map(text).join('\n');
    const invoked = runs
      .split(/&&|;|\|\||\n/)
      .map((cmd) => cmd.trim().split(/\s+/)[0])
      .filter(Boolean);
    for (const tool of ['npm', 'npx', 'yarn', 'corepack', 'apt-get', 'apt', 'gcc', 'g++', 'make', 'pip'])
      expect(invoked).not.toContain(tool);
    for (const gone of [
      '/usr/local/bin/npm',
      '/usr/local/bin/npx',
      '/usr/local/bin/corepack',
      '/usr/local/lib/node_modules/npm',
    ])
      expect(runs).toContain(gone);
    expect(runs).toMatch(/ln -s \/app\/dist\/cli\/main\.js \/usr\/local\/bin\/bookml/);
  });

  it(`runs as ${RESTRICTED_UID}:${RESTRICTED_UID}, the UID the rendered pods require, as its last USER`, () => {
    const users = of('USER');
    expect(users.length).toBeGreaterThan(0);
    expect(text(users[users.length - 1])).toBe(`${RESTRICTED_UID}:${RESTRICTED_UID}`);
  });

  it('takes the code version from a build argument into the variable codeVersion reads', () => {
    const codeVersion = readFileSync(path.join(repo, 'src', 'core', 'code-version.ts'), 'utf8');
    const variable = /process\.env\.(BOOKML_[A-Z_]+)/.exec(codeVersion)?.[1];
    expect(variable).toBe('BOOKML_GIT_SHA');
    expect(of('ARG').map(text)).toContain(variable);
    const env = of('ENV').flatMap((e) =>
      (e as unknown as { getProperties(): { getName(): string; getValue(): string }[] }).getProperties(),
    );
    expect(env.find((p) => p.getName() === variable)?.getValue()).toBe(`\${${variable}}`);
    // The build refuses to run without it, so lineage never says "git unknown".
    const buildRuns = dockerfile
      .getInstructions()
      .filter((i) => i.getKeyword() === 'RUN' && i.getRange().start.line < lastFrom.getRange().start.line);
    expect(buildRuns.map(text).join('\n')).toContain(`test -n "$${variable}"`);
  });

  it('writes only under /tmp, which the rendered pods mount as an emptyDir', () => {
    const env = of('ENV').map(text).join(' ');
    expect(env).toMatch(/BOOKML_HOME=\/tmp\//);
    expect(env).toMatch(/HOME=\/tmp/);
    const bundle = renderBundle(getPipeline('recommender').spec, {}, '0.1.0');
    const commands = new Set<string>();
    for (const f of bundle.resources) {
      for (const m of JSON.stringify(f.manifest).matchAll(/"command":\["([^"]+)"/g)) commands.add(m[1]);
    }
    expect([...commands]).toEqual(['bookml']);
  });

  it('.dockerignore sends only the package files, tsconfigs, src, ui and scripts (no node_modules, dist, .git, workspace)', () => {
    const lines = readFileSync(path.join(repo, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(lines[0]).toBe('*');
    const included = lines.filter((l) => l.startsWith('!')).map((l) => l.slice(1));
    expect(included.sort()).toEqual([
      'package-lock.json',
      'package.json',
      'scripts',
      'src',
      'tsconfig.build.json',
      'tsconfig.json',
      'ui',
    ]);
  });
});
