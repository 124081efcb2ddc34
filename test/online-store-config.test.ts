/**
 * The online store the configuration names: Redis when BOOKML_REDIS_URL is set, the metadata database
 * otherwise; a malformed URL is refused at start, naming the key.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStores, resolveAppConfig } from '../src/app/index.js';
import { ManualClock } from '../src/core/index.js';
import { probeRedis, TEST_REDIS_URL } from '../src/store/test-databases.js';

const REDIS = TEST_REDIS_URL;
const down = await probeRedis();

describe('online store configuration', () => {
  it('reads BOOKML_REDIS_URL and refuses one that is not redis://', () => {
    const home = mkdtempSync(join(tmpdir(), 'bookml-online-cfg-'));
    expect(resolveAppConfig({ env: { BOOKML_HOME: home, BOOKML_REDIS_URL: REDIS } }).redisUrl).toBe(REDIS);
    expect(resolveAppConfig({ env: { BOOKML_HOME: home } }).redisUrl).toBeUndefined();
    expect(() => resolveAppConfig({ env: { BOOKML_HOME: home, BOOKML_REDIS_URL: 'http://x' } })).toThrow(
      expect.objectContaining({ code: 'APP_CONFIG_INVALID', field: 'redisUrl' }),
    );
    rmSync(home, { recursive: true, force: true });
  });

  it('opens the metadata database’s store without a Redis URL', async () => {
    const home = mkdtempSync(join(tmpdir(), 'bookml-online-cfg-'));
    const stores = openStores({
      workspace: resolveAppConfig({ env: { BOOKML_HOME: home } }).workspace,
      clock: new ManualClock(),
    });
    expect((await stores.online()).kind).toBe('db');
    await stores.close();
    rmSync(home, { recursive: true, force: true });
  });

  it.skipIf(down !== undefined)(`opens Redis with one${down ? ` — skipped: ${down}` : ''}`, async () => {
    const home = mkdtempSync(join(tmpdir(), 'bookml-online-cfg-'));
    const config = resolveAppConfig({ env: { BOOKML_HOME: home, BOOKML_REDIS_URL: REDIS } });
    const stores = openStores({
      workspace: config.workspace,
      redisUrl: config.redisUrl,
      clock: new ManualClock(),
    });
    const online = await stores.online();
    expect(online).toMatchObject({ kind: 'redis', location: REDIS });
    expect(stores.opened).toBe(false); // the metadata database stays closed
    await stores.close();
    rmSync(home, { recursive: true, force: true });
  });
});
