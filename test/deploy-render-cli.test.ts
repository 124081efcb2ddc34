/**
 * `bookml deploy render --out DIR` as a user runs it: the files on disk pass the official schemas (closed) and
 * the independent Pod Security checker run as command-line tools, exactly as docs/deploy.md shows; the
 * kustomization lists every object file; bad options fail with DEPLOY_INVALID_OPTIONS and write nothing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path, { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { hasBuiltBin, runBuilt } from './fixtures/cli.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SCHEMAS = path.resolve(here, '..', '..', 'shared', 'schemas');
const TOOLS = join(here, 'fixtures', 'shared-schemas');
const root = mkdtempSync(join(tmpdir(), 'bookml-render-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const tool = (script: string, args: string[]) =>
  spawnSync(process.execPath, [join(TOOLS, script), ...args], { encoding: 'utf8' });

describe.skipIf(!hasBuiltBin)('bookml deploy render (needs npm run build)', () => {
  it.skipIf(!existsSync(SCHEMAS))(
    'writes a bundle that the schema and Pod Security tools accept',
    () => {
      const out = join(root, 'k8s');
      const r = runBuilt(['deploy', 'render', '--out', out, '--argo-version', '3.5', '--json'], {
        home: join(root, 'home'),
      });
      expect(r.status, r.stderr).toBe(0);
      const summary = JSON.parse(r.stdout) as { argoVersion: string; serving: string; files: string[] };
      expect(summary).toMatchObject({ argoVersion: '3.5', serving: 'kserve-serverless' });
      const files = readdirSync(out).sort();
      expect(files).toEqual([...summary.files].sort());
      const kustomization = parse(readFileSync(join(out, 'kustomization.yaml'), 'utf8')) as {
        resources: string[];
      };
      expect([...kustomization.resources, 'kustomization.yaml', 'argocd-application.yaml'].sort()).toEqual(
        files,
      );
      const yamls = files.filter((f) => f.endsWith('.yaml')).map((f) => join(out, f));
      const schemas = tool('validate-manifests.mjs', ['--closed', '--argo', '3.5', SCHEMAS, ...yamls]);
      expect(schemas.status, schemas.stdout).toBe(0);
      expect(schemas.stdout).toMatch(/\b8 valid, 0 invalid/);
      const psa = tool('check-pod-security.mjs', yamls);
      expect(psa.status, psa.stdout).toBe(0);
      expect(psa.stdout).toMatch(/0 violations/);
      // Compiling the official schemas takes a while on a loaded machine (not a speed assertion).
    },
    300_000,
  );

  it('refuses bad options with DEPLOY_INVALID_OPTIONS and writes nothing', () => {
    const out = join(root, 'bad');
    const r = runBuilt(['deploy', 'render', '--out', out, '--artifacts', 'file:///srv/x', '--json'], {
      home: join(root, 'home'),
    });
    expect(r.status).toBe(2);
    const body = JSON.parse(r.stdout) as { error: { code: string; field: string; message: string } };
    expect(body.error).toMatchObject({ code: 'DEPLOY_INVALID_OPTIONS', field: 'artifacts' });
    expect(existsSync(out)).toBe(false);
  });
});
