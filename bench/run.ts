import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchDrift } from './drift.js';
import { benchEase } from './ease.js';
import { benchEngine } from './engine.js';
import { benchLoop } from './loop.js';
import { repoRoot } from './paths.js';
import { benchPgSize } from './pg-size.js';
import { benchServe } from './serve.js';
import { benchServeBig } from './serve-big.js';
import { benchServePath } from './serve-path.js';
import { benchServeReplicas } from './serve-replicas.js';
import { benchTrain } from './train.js';
import { benchTune } from './tune.js';
import { benchUi } from './ui.js';

/**
 * `npm run bench -- <name> [options]`: runs one benchmark (or all), prints its table and writes
 * bench/results/<name>.json.
 */
const benches: Record<string, (args: string[]) => Promise<object>> = {
  train: benchTrain,
  engine: benchEngine,
  loop: benchLoop,
  serve: benchServe,
  'serve-big': benchServeBig,
  'serve-path': benchServePath,
  'serve-replicas': benchServeReplicas,
  drift: benchDrift,
  tune: benchTune,
  ease: benchEase,
  ui: benchUi,
  'pg-size': benchPgSize,
};

const [name = 'all', ...args] = process.argv.slice(2);
const chosen = name === 'all' ? Object.keys(benches) : [name];
for (const b of chosen) {
  const run = benches[b];
  if (!run) {
    console.error(`unknown benchmark "${b}"; choose one of: ${Object.keys(benches).join(', ')}, all`);
    process.exit(2);
  }
  const result = await run(args);
  const dir = join(repoRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  // A bench may name its own results (`train --scale` writes train-scale.json beside train.json).
  const file = join(dir, `${(result as { bench?: string }).bench ?? b}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ ...result, at: new Date().toISOString(), node: process.version }, null, 2)}\n`,
  );
  console.log(`\nwrote ${file}`);
}
