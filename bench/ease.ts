import { Rng } from '../src/core/index.js';
import type { Interactions } from '../src/data/index.js';
import { trainItemKnn } from '../src/model/index.js';
import { median, printTable } from './measure.js';

/** Issue 12's budget: EASE on a 2,000-item catalogue from 100,000 interactions in under 5 s. */
const BUDGET_MS = 5000;

/** Purchase lines with Zipf-ish popularity over `items` books, one basket per customer and day. */
function synthetic(seed: number, customers: number, items: number, lines: number): Interactions {
  const rng = new Rng(seed);
  const customer = new Int32Array(lines);
  const item = new Int32Array(lines);
  const time = new Float64Array(lines);
  const basket = new Int32Array(lines);
  const baskets = new Map<number, number>();
  for (let l = 0; l < lines; l++) {
    customer[l] = Math.floor(rng.next() * customers);
    item[l] = Math.min(items - 1, Math.floor(items * rng.next() ** 2));
    const day = Math.floor(rng.next() * 30);
    time[l] = day * 86_400_000;
    const key = customer[l] * 64 + day;
    let b = baskets.get(key);
    if (b === undefined) baskets.set(key, (b = baskets.size));
    basket[l] = b;
  }
  return {
    length: lines,
    customer,
    item,
    basket,
    time,
    qty: new Int32Array(lines).fill(1),
    itemIds: Array.from({ length: items }, (_, i) => String(i)),
    itemIdsNumeric: true,
    customerIds: Array.from({ length: customers }, (_, i) => `c${i}`),
    nBaskets: baskets.size,
  };
}

/** `npm run bench -- ease [--runs N] [--items N]`: EASE training time, in process. */
export async function benchEase(args: string[]): Promise<object> {
  const runs = Number(args[args.indexOf('--runs') + 1]) || 3;
  const items = Number(args[args.indexOf('--items') + 1]) || 2000;
  const lines = 100_000;
  const x = synthetic(42, 10_000, items, lines);
  const times: number[] = [];
  const cpuTimes: number[] = [];
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await trainItemKnn(x, { family: 'ease', easeLambda: 250, k: 50 });
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpuTimes.push((c.user + c.system) / 1000);
  }
  const ms = median(times);
  // CPU time (every thread's) does not grow with other processes' load, wall time does: on a busy
  // machine, CPU time is the figure to compare across runs.
  const cpuMs = median(cpuTimes);
  printTable(
    ['catalogue', 'interactions', 'runs', 'median wall ms', 'median cpu ms', `budget ${BUDGET_MS} ms`],
    [[items, lines, runs, Math.round(ms), Math.round(cpuMs), ms < BUDGET_MS ? 'ok' : 'OVER (wall)']],
  );
  return {
    items,
    lines,
    runs,
    times,
    cpuTimes,
    medianMs: ms,
    medianCpuMs: cpuMs,
    budgetMs: BUDGET_MS,
    withinBudget: ms < BUDGET_MS,
  };
}
