import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type AliasResolver, registryAliasSource, VERSION_HEADER } from '../src/serve/index.js';
import { startServer, tempDir, writeModel } from './serve-fixture.js';

/** A registry with one movable alias, and an artifact store that maps a hash to its folder. */
function fakeRegistry(bundles: Record<string, string>) {
  const aliases = new Map<string, number>();
  let fetches = 0;
  const registry: AliasResolver = {
    async resolveAlias(model, alias) {
      const v = aliases.get(`${model}@${alias}`);
      if (v === undefined) throw new Error(`model "${model}" has no alias "${alias}"`);
      return { version: v, artifactHash: `h${v}`, artifactUri: `file:///h${v}` };
    },
  };
  const artifacts = {
    async getDir(sha: string) {
      fetches++;
      const dir = bundles[sha];
      if (!dir) throw new Error(`no artifact ${sha}`);
      return dir;
    },
  };
  return { registry, artifacts, aliases, fetches: () => fetches };
}

describe('serving a registry alias', () => {
  it('follows the alias: moving production changes the answering version without a restart', async () => {
    const root = tempDir();
    await writeModel(join(root, 'v1'), { seed: 1 });
    await writeModel(join(root, 'v2'), { seed: 2 });
    const reg = fakeRegistry({ h1: join(root, 'v1'), h2: join(root, 'v2') });
    const source = registryAliasSource({ registry: reg.registry, artifacts: reg.artifacts });
    expect(source.description).toBe('registry:recommender@production');

    const server = await startServer(source);
    expect((await server.app.inject({ url: '/ready' })).statusCode).toBe(503);

    reg.aliases.set('recommender@production', 1);
    await server.deployment.reconcile();
    const ask = () => server.app.inject({ url: '/recommend?book_id=1&k=3' });
    expect((await ask()).headers[VERSION_HEADER]).toBe('1');
    await server.deployment.reconcile();
    expect(reg.fetches()).toBe(1);

    reg.aliases.set('recommender@production', 2);
    await server.deployment.reconcile();
    const res = await ask();
    expect(res.headers[VERSION_HEADER]).toBe('2');
    expect(res.json().version).toBe('2');
    expect((await server.app.inject({ url: '/v2/models/recommender' })).json().versions).toEqual(['2']);

    // Rollback is just another move.
    reg.aliases.set('recommender@production', 1);
    await server.deployment.reconcile();
    expect((await ask()).headers[VERSION_HEADER]).toBe('1');
    await server.app.close();
  });
});
