import { availableParallelism } from 'node:os';
import { type Command, Option } from 'commander';
import type { EvalReport } from '../../eval/index.js';
import { intOption, workspaceOf } from '../context.js';
import { emit, table } from '../output.js';
import { progressBar } from '../progress.js';
import { splitRule } from './eval.js';
import { addTrainerOptions, trainerParams } from './trainer-options.js';

interface TuneFlags {
  dataset?: string;
  split: 'leave-last-out' | 'last-basket' | 'time';
  cut?: string;
  k: number;
  trials: number;
  seed: number;
  keepRepeats?: boolean;
  resamples: number;
  threads?: number;
  versus?: 'ease' | 'knn';
  json?: boolean;
}

/**
 * `bookml tune`: search the trainer's options on a validation split carved from the train side, then
 * score the chosen model once on the test split against plain cosine and most-popular.
 */
export function registerTuneCommand(program: Command): void {
  const command = program
    .command('tune')
    .description(
      'search the trainer options (item-kNN and EASE) on a validation split (seeded TPE, trials in parallel), then score the choice once on the test split',
    )
    .addHelpText(
      'after',
      [
        '',
        'The test split is held out first; trials are trained and scored on a validation split built from the',
        'training part by the same rule, so the test split never influences the choice. The chosen parameters are',
        'then refit on the whole training part and scored once on the test split, with 95% bootstrap CIs against',
        'plain cosine (50 neighbours) and most-popular. Trainer options given here are pinned, not searched.',
      ].join('\n'),
    )
    .option('--dataset <ref>', 'dataset hash prefix or folder (default: the current dataset)')
    .addOption(
      new Option('--split <rule>', "held-out rule: each customer's latest book, last basket, or a time cut")
        .choices(['leave-last-out', 'last-basket', 'time'])
        .default('leave-last-out'),
    )
    .option('--cut <date|fraction>', '--split time: cut date (2024-06-01) or share of newest lines')
    .option('--trials <n>', 'trials the search runs', intOption('--trials'), 60)
    .option('--seed <n>', 'seed of the search and of the bootstrap', intOption('--seed'), 42)
    .option('-k, --k <n>', 'list length scored (NDCG@k picks the trial)', intOption('--k'), 10)
    .option('--keep-repeats', 'count held-out books the customer already bought as relevant')
    .option('--resamples <n>', 'bootstrap resamples of the test customers', intOption('--resamples'), 1000)
    .option(
      '--threads <n>',
      'trials run side by side (default: min(cores, 4)); the result is the same for any count',
      intOption('--threads'),
    )
    .addOption(
      new Option(
        '--versus <family>',
        'also tune this model family alone the same way (same validation split, trials, seed) and score its choice on the test split beside the tuned model, with a paired CI',
      ).choices(['ease', 'knn']),
    )
    .option('--json', 'machine-readable output');
  addTrainerOptions(command, '--neighbours <n>', { pinned: true }).action(
    async (flags: TuneFlags, cmd: Command) => {
      const started = performance.now();
      const ev = await import('../../eval/index.js');
      const tuning = await import('../../tune/index.js');
      const rule = splitRule(flags, ev.EvaluationError);
      ev.checkK(flags.k);
      ev.checkBootstrapOptions({ resamples: flags.resamples, seed: flags.seed });
      const threads = flags.threads ?? Math.min(availableParallelism(), 4);
      tuning.checkSearchOptions({ trials: flags.trials, seed: flags.seed, threads });
      const fixed = trainerParams(flags as unknown as Record<string, unknown>, '--neighbours <n>');

      const data = await import('../../data/index.js');
      const ws = workspaceOf(cmd);
      const dir = data.resolveDatasetDir(ws, flags.dataset);
      const loadBar = progressBar('load  ', { json: flags.json, unit: 'bytes' });
      const loaded = await data.loadDataset(dir, {
        onProgress: loadBar.update,
        cacheDir: ws.datasetCacheDir,
      });
      loadBar.stop();

      const searchBar = progressBar('trials', { json: flags.json, unit: 'trials' });
      const testBar = progressBar('test  ', { json: flags.json, unit: 'steps' });
      const r = await tuning.tune(loaded.interactions, {
        split: rule,
        k: flags.k,
        trials: flags.trials,
        seed: flags.seed,
        threads,
        trainThreads: threads,
        resamples: flags.resamples,
        fixed,
        versus: flags.versus ? [{ name: flags.versus, fixed: { family: flags.versus } }] : [],
        onPhase: (phase, done, total) => {
          if (phase === 'search') searchBar.update(done, total);
          else {
            searchBar.stop();
            testBar.update(done, total);
          }
        },
      });
      searchBar.stop();
      testBar.stop();
      const result = {
        best: r.best,
        test: r.test,
        trials: r.trials,
        failedTrials: r.failedTrials,
        versus: r.versus,
        dataset: { hash: loaded.manifest.hash, uri: loaded.manifest.source.uri },
        split: r.split,
        search: r.search,
        seconds: Math.round(performance.now() - started) / 1000,
        report: r.report,
      };
      emit(result, flags.json, (x) => render(x, flags.k));
    },
  );
}

function render(
  r: {
    best: { trial: number; params: Record<string, unknown>; validation: Record<string, number> };
    test: Record<string, number>;
    trials: readonly unknown[];
    failedTrials: number;
    versus: readonly {
      name: string;
      best: { trial: number; params: Record<string, unknown>; validation: Record<string, number> };
      failedTrials: number;
    }[];
    split: { rule: string; validationUsers: number; testUsers: number };
    search: { seed: number; space: readonly Record<string, unknown>[] };
    seconds: number;
    report: EvalReport;
  },
  k: number,
): string {
  const f = (v: number) => v.toFixed(4);
  // Options whose row's condition fails (alpha without conditional, similarity for EASE) do not
  // apply to the model: the table leaves them out; --json keeps every field.
  const when = new Map(
    KNN_AND_EASE_CONDITIONS.map((c) => [c.name, c.when] as const).concat(
      r.search.space.flatMap((d) => (d.when ? [[String(d.name), d.when as Condition] as const] : [])),
    ),
  );
  const applies = (p: Record<string, unknown>, name: string): boolean => {
    const c = when.get(name);
    return c === undefined || (c.in.includes(p[c.param] as string) && applies(p, c.param));
  };
  const paramsOf = (p: Record<string, unknown>) =>
    Object.entries(p)
      .filter(([name]) => applies(p, name))
      .map(([name, v]) => `${name}=${v}`)
      .join(' ');
  const params = paramsOf(r.best.params);
  const failed = (n: number) => (n > 0 ? ` (${n} failed, recorded with their error code)` : '');
  const versus = r.versus.flatMap((v) => [
    `tuned-${v.name}: trial ${v.best.trial}${failed(v.failedTrials)}, validation NDCG@${k} ${f(v.best.validation[`ndcg_at_${k}`])}`,
    `  ${paramsOf(v.best.params)}`,
  ]);
  const rows = r.report.recommenders.map((x) => [
    x.name,
    ...(['ndcg', 'hitRate', 'mrr'] as const).map((m) => {
      const iv = x.metrics[m];
      return `${f(iv.mean)} [${f(iv.low)}, ${f(iv.high)}]`;
    }),
  ]);
  const diffs = r.report.comparisons.map((c) => {
    const x = c.metrics.ndcg;
    const verdict = x.verdict === 'inconclusive' ? 'no clear difference' : x.verdict;
    return `${c.model} − ${c.baseline}: NDCG@${k} ${signed(x.difference)} [${signed(x.low)}, ${signed(x.high)}] — ${verdict}`;
  });
  return [
    `${r.trials.length} trials${failed(r.failedTrials)} (seed ${r.search.seed}) on a ${r.split.rule} validation split of ${r.split.validationUsers} customers, ${r.seconds} s`,
    `best: trial ${r.best.trial}, validation NDCG@${k} ${f(r.best.validation[`ndcg_at_${k}`])}`,
    `  ${params}`,
    ...versus,
    '',
    `test split (${r.split.testUsers} customers), scored once, 95 % bootstrap CIs:`,
    table(['model', `NDCG@${k}`, `HitRate@${k}`, `MRR@${k}`], rows),
    '',
    ...diffs,
  ].join('\n');
}

interface Condition {
  readonly param: string;
  readonly in: readonly unknown[];
}

/**
 * Which family an option belongs to, for options a search may have pinned (then absent from its
 * space): EASE's λ only for EASE, the similarity options only for item-kNN.
 */
const KNN_AND_EASE_CONDITIONS: readonly { name: string; when: Condition }[] = [
  ...['similarity', 'shrinkage', 'minCoCount'].map((name) => ({
    name,
    when: { param: 'family', in: ['knn', undefined] },
  })),
  { name: 'alpha', when: { param: 'similarity', in: ['conditional'] } },
  { name: 'easeLambda', when: { param: 'family', in: ['ease'] } },
];

/** Always signed; the sign survives rounding. */
function signed(v: number): string {
  const a = Math.abs(v).toFixed(4);
  return v > 0 ? `+${a}` : v < 0 ? `-${a}` : a;
}
