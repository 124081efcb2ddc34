/**
 * `bookml history ingest|versions` and `bookml recommend --customer`, in process on a workspace whose
 * metadata database holds the online store (no BOOKML_REDIS_URL): an ingested export changes the
 * customer's answer at once.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openStores } from '../src/app/index.js';
import { registerHistoryCommands } from '../src/cli/commands/history.js';
import { registerRecommendCommand } from '../src/cli/commands/recommend.js';
import { ManualClock, resolveWorkspace } from '../src/core/index.js';
import { customerHistoryRef } from '../src/model/index.js';
import { runInProcess } from './fixtures/cli.js';
import { tempDir, writeModel } from './serve-fixture.js';

let root: string;
let home: string;
let bundle: string;

beforeAll(async () => {
  root = tempDir();
  home = join(root, '.bookml');
  bundle = join(root, 'm');
  await writeModel(bundle, { k: 10 });
  // What the pipeline's register step leaves: the bundle's dataset (h7) materialised.
  const stores = openStores({ workspace: resolveWorkspace(home, {}), clock: new ManualClock(5) });
  await (await stores.online()).materialise(customerHistoryRef('h7'), 'h7', [
    { customer: 'c1', entries: [{ book: '2', time: 1 }] },
  ]);
  await stores.close();
});

const history = (...args: string[]) =>
  runInProcess(registerHistoryCommands, ['--home', home, 'history', ...args]);
const recommend = (...args: string[]) =>
  runInProcess(registerRecommendCommand, ['--home', home, 'recommend', '--model', bundle, ...args]);

describe('bookml history and recommend --customer', () => {
  it('lists the materialised version', async () => {
    const { stdout, error } = await history('versions', '--json');
    expect(error).toBeUndefined();
    expect(JSON.parse(stdout).versions).toMatchObject([
      { view: 'customer_history', version: 'd1-h7', customers: 1 },
    ]);
  });

  it('recommends from the history, and from an ingested order at once', async () => {
    const before = JSON.parse((await recommend('--customer', 'c1', '-k', '3', '--json')).stdout);
    expect(before).toMatchObject({
      customer_id: 'c1',
      customer_known: true,
      history: [2],
      fallback: false,
    });
    const file = join(root, 'orders.csv');
    writeFileSync(
      file,
      'customer_id,book_id,created_at\nc1,3,2026-12-01T10:00:00Z\nc9,4,2026-12-01T11:00:00Z\n',
    );
    const ingest = await history('ingest', file, '--json');
    expect(ingest.error).toBeUndefined();
    expect(JSON.parse(ingest.stdout)).toMatchObject({
      lines: 2,
      purchases: 2,
      customers: 2,
      store: 'db',
      versions: ['customer_history@d1-h7'],
    });
    const after = JSON.parse((await recommend('--customer', 'c1', '-k', '3', '--json')).stdout);
    expect(after.history).toEqual([3, 2]);
    expect(after.recommendations).not.toEqual(before.recommendations);
    const fresh = JSON.parse((await recommend('--customer', 'c9', '--json')).stdout);
    expect(fresh).toMatchObject({ customer_known: true, history: [4] });
  });

  it('an unknown customer gets popularity, said so in the table', async () => {
    const { stdout } = await recommend('--customer', 'nobody', '-k', '3');
    expect(stdout).toContain('no history for customer nobody under customer_history@d1-h7');
  });

  it('refuses two of --book, --basket, --customer', async () => {
    const { error } = await recommend('--customer', 'c1', '--book', '1');
    expect((error as { code?: string }).code).toBe('CLI_USAGE');
  });
});
