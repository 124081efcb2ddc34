import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/index.js';
import { probeRedis, TEST_REDIS_URL } from '../test-databases.js';
import { onlineStoreContract } from './online-store.contract.js';
import { RedisOnlineStore } from './redis-online-store.js';

const URL = TEST_REDIS_URL;

const unreachable = await probeRedis();
// Every test writes under its own key prefix, deleted afterwards: parallel runs never meet.
const run = `bookml-test:${process.pid}:${Date.now().toString(36)}`;
let n = 0;

async function dropPrefix(prefix: string): Promise<void> {
  const r = new Redis(URL);
  r.on('error', () => {});
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}

onlineStoreContract(
  'online store contract: redis',
  async () => {
    const prefix = `${run}:${n++}:`;
    const clock = new ManualClock();
    const store = await RedisOnlineStore.open({ url: URL, keyPrefix: prefix, clock });
    return {
      store,
      setNow: (ms) => clock.set(ms),
      close: async () => {
        await store.close();
        await dropPrefix(prefix);
      },
    };
  },
  unreachable,
);

describe.skipIf(unreachable !== undefined)(
  `redis online store${unreachable ? ` — skipped: ${unreachable}` : ''}`,
  () => {
    afterAll(() => dropPrefix(`${run}:x`));

    it('keeps one hash per customer and version under the prefix', async () => {
      const prefix = `${run}:x1:`;
      const store = await RedisOnlineStore.open({ url: URL, keyPrefix: prefix, clock: new ManualClock() });
      await store.materialise({ view: 'customer_history', version: 'd1-ab' }, 'ab', [
        { customer: '7', entries: [{ book: '17', time: 5 }] },
      ]);
      const r = new Redis(URL);
      expect(await r.hgetall(`${prefix}customer_history:d1-ab:c:7`)).toEqual({ '17': '5' });
      r.disconnect();
      await store.close();
      await dropPrefix(prefix);
    });

    it('reloads its merge script when Redis forgot it', async () => {
      const prefix = `${run}:x2:`;
      const store = await RedisOnlineStore.open({ url: URL, keyPrefix: prefix, clock: new ManualClock() });
      const ref = { view: 'customer_history', version: 'd1-ab' };
      await store.materialise(ref, 'ab', []);
      const r = new Redis(URL);
      await r.script('FLUSH');
      r.disconnect();
      await store.append([{ customer: '7', book: '17', time: 5 }]);
      expect(await store.history(ref, '7')).toEqual([{ book: '17', time: 5 }]);
      await store.close();
      await dropPrefix(prefix);
    });

    it('refuses a URL that is not redis:// and names an unreachable server', async () => {
      await expect(
        RedisOnlineStore.open({ url: 'http://x', clock: new ManualClock() }),
      ).rejects.toMatchObject({
        code: 'STORE_CONFIG_INVALID',
      });
      await expect(
        RedisOnlineStore.open({ url: 'redis://:secret@127.0.0.1:1', clock: new ManualClock() }),
      ).rejects.toMatchObject({
        code: 'STORE_ONLINE_UNAVAILABLE',
        retryable: true,
        message: expect.not.stringContaining('secret'),
      });
    });
  },
);
