import { ManualClock } from '../../core/index.js';
import type { TestDatabase } from '../test-databases.js';
import { DbOnlineStore } from './db-online-store.js';
import type { OnlineStoreHarness } from './online-store.contract.js';

/** The database store on a throwaway database. @internal */
export async function dbHarness(database: Promise<TestDatabase>): Promise<OnlineStoreHarness> {
  const t = await database;
  const clock = new ManualClock();
  const mdb = await t.open({ clock });
  return { store: new DbOnlineStore(mdb), setNow: (ms) => clock.set(ms), close: () => t.dispose() };
}
