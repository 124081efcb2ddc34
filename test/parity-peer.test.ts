import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readInteractionsFile } from '../src/data/index.js';
import { trainItemKnn } from '../src/model/index.js';

/**
 * Parity with the seed stack: on the same purchases, bookml's cosine top-K equals
 * scikit-learn's (../shared/peers/peer_train.py) — same neighbours in the same order (the peer
 * ranks exact ties by the smaller id, as bookml does) and scores within 1e-12.
 */
const shared = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared');
const PY = '/usr/bin/python3';
const peerReady =
  existsSync(join(shared, 'peers', 'peer_train.py')) &&
  spawnSync(PY, ['-c', 'import sklearn, pandas, joblib'], { stdio: 'ignore' }).status === 0;
const why = peerReady
  ? ''
  : `needs ${PY} with python3-sklearn (apt-get install python3-sklearn python3-pandas python3-joblib) and ../shared/peers`;

type Lists = Map<string, Array<[string, number]>>;

function peerNeighbours(input: string, k: number, cols: string[] = []): Lists {
  const out = mkdtempSync(join(tmpdir(), 'bookml-peer-'));
  execFileSync(
    PY,
    [join(shared, 'peers', 'peer_train.py'), '--input', input, '--k', String(k), '--out', out, ...cols],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const lists: Lists = new Map();
  const text = readFileSync(join(out, 'neighbours.csv'), 'utf8');
  for (const line of text.trim().split('\n').slice(1)) {
    // Item names may hold commas: the peer quotes them (csv module), so split from the right.
    const m = /^("(?:[^"]|"")*"|[^,]*),(\d+),("(?:[^"]|"")*"|[^,]*),([^,]+)$/.exec(line);
    if (!m) throw new Error(`unparsable peer row: ${line}`);
    const unq = (s: string) => (s.startsWith('"') ? s.slice(1, -1).replaceAll('""', '"') : s);
    const book = unq(m[1]);
    if (!lists.has(book)) lists.set(book, []);
    lists.get(book)!.push([unq(m[3]), Number(m[4])]);
  }
  return lists;
}

async function ourNeighbours(input: string, k: number, customer: string, item: string): Promise<Lists> {
  const { interactions: x } = await readInteractionsFile(input, { customer, item });
  const m = await trainItemKnn(x, { k, similarity: 'cosine' }, { threads: 2 });
  const lists: Lists = new Map();
  for (let i = 0; i < m.nItems; i++) {
    if (m.offsets[i + 1] === m.offsets[i]) continue;
    const row: Array<[string, number]> = [];
    for (let p = m.offsets[i]; p < m.offsets[i + 1]; p++) row.push([x.itemIds[m.neighbours[p]], m.scores[p]]);
    lists.set(x.itemIds[i], row);
  }
  return lists;
}

function expectParity(ours: Lists, peer: Lists): void {
  expect([...ours.keys()].sort()).toEqual([...peer.keys()].sort());
  let maxDiff = 0;
  for (const [book, want] of peer) {
    const got = ours.get(book)!;
    expect(
      got.map((e) => e[0]),
      `neighbours of ${book}`,
    ).toEqual(want.map((e) => e[0]));
    for (let r = 0; r < want.length; r++) maxDiff = Math.max(maxDiff, Math.abs(got[r][1] - want[r][1]));
  }
  expect(maxDiff).toBeLessThan(1e-12);
}

describe.skipIf(!peerReady)(
  `parity with the scikit-learn seed stack${why ? ` (skipped: ${why})` : ''}`,
  () => {
    it('matches on the original-example data (800 customers, 200 books, 5,000 lines)', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'bookml-parity-'));
      const data = join(dir, 'small.csv');
      execFileSync(PY, [join(shared, 'peers', 'gen_interactions.py'), '--out', data], { stdio: 'ignore' });
      expectParity(await ourNeighbours(data, 20, 'customer_id', 'book_id'), peerNeighbours(data, 20));
    });

    it('matches on a larger generated dataset (20,000 customers, 2,000 books, 300,000 lines)', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'bookml-parity-'));
      const data = join(dir, 'medium.csv');
      execFileSync(
        PY,
        [
          join(shared, 'peers', 'gen_interactions.py'),
          '--customers',
          '20000',
          '--books',
          '2000',
          '--lines',
          '300000',
          '--out',
          data,
        ],
        {
          stdio: 'ignore',
        },
      );
      expectParity(await ourNeighbours(data, 20, 'customer_id', 'book_id'), peerNeighbours(data, 20));
    });

    it('matches on the real groceries data (string item ids)', async () => {
      const data = join(shared, 'datasets', 'groceries.csv');
      const peer = peerNeighbours(data, 10, ['--customer-col', 'transaction_number', '--item-col', 'items']);
      expectParity(await ourNeighbours(data, 10, 'transaction_number', 'items'), peer);
    });
  },
);
