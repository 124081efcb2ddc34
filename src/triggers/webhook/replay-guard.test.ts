import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/index.js';
import type { MetadataDb } from '../../store/index.js';
import { createTestDatabase, probePostgres, type TestDatabase } from '../../store/test-databases.js';
import { ReplayGuard } from './replay-guard.js';

const unreachable = await probePostgres();

for (const dialect of ['sqlite', 'postgres'] as const) {
  const skip = dialect === 'postgres' ? unreachable : undefined;
  describe.skipIf(skip !== undefined)(`replay guard: ${dialect}${skip ? ` — skipped: ${skip}` : ''}`, () => {
    let t: TestDatabase;
    let mdb: MetadataDb;
    let clock: ManualClock;
    beforeEach(async () => {
      clock = new ManualClock(1_700_000_000_000);
      t = await createTestDatabase(dialect);
      mdb = await t.open({ clock });
    });
    afterEach(async () => {
      await t.dispose();
    });

    it('claims a digest once until it expires, and forgets a released one', async () => {
      const guard = new ReplayGuard(mdb);
      const until = clock.now() + 300_000;
      expect(await guard.claim('a'.repeat(64), until)).toBe(true);
      expect(await guard.claim('a'.repeat(64), until)).toBe(false);
      expect(await new ReplayGuard(mdb).claim('a'.repeat(64), until)).toBe(false);
      await guard.release('a'.repeat(64));
      expect(await guard.claim('a'.repeat(64), until)).toBe(true);

      expect(await guard.claim('b'.repeat(64), until)).toBe(true);
      clock.advance(300_001);
      await guard.claim('c'.repeat(64), clock.now() + 300_000);
      const left = await mdb.db.selectFrom('webhook_signatures').select('digest').execute();
      expect(left.map((r) => r.digest)).toEqual(['c'.repeat(64)]);
    });

    it('lets exactly one of many concurrent claims of a digest win', async () => {
      const other = t.dialect === 'postgres' ? await t.open({ clock }) : mdb;
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          new ReplayGuard(i % 2 ? other : mdb).claim('d'.repeat(64), clock.now() + 1000),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });
  });
}
