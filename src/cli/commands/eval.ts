import { type Command, Option } from 'commander';
import type { EvalReport, Recommender } from '../../eval/index.js';
import { intOption, workspaceOf } from '../context.js';
import { usageError } from '../errors.js';
import { emit, table } from '../output.js';
import { progressBar } from '../progress.js';
import { addTrainerOptions, trainerParams } from './trainer-options.js';

interface EvalFlags {
  dataset?: string;
  split: 'leave-last-out' | 'last-basket' | 'time';
  cut?: string;
  k: number;
  neighbours?: number;
  keepRepeats?: boolean;
  resamples: number;
  seed: number;
  threads?: number;
  json?: boolean;
}

/**
 * `bookml eval`: split the dataset, train item-kNN on the train side, and compare it with the
 * most-popular and random baselines on the held-out side, every metric with a bootstrap CI and
 * every model − baseline difference with a paired CI.
 */
export function registerEvalCommand(program: Command): void {
  const command = program
    .command('eval')
    .description(
      'evaluate item-kNN against most-popular and random baselines on a held-out split (full ranking, bootstrap CIs)',
    )
    .addHelpText(
      'after',
      [
        '',
        'Defaults are for implicit purchase data, not ratings: a book is relevant when the customer bought it',
        "(binary), lists leave out what the customer already owns, each customer's last basket is held out,",
        'every book in the catalogue is ranked (no sampled negatives), and every metric gets a 95% bootstrap CI',
        'over customers, with paired CIs on the model minus each baseline. The model is trained on the training',
        'part only, so it never sees what it is scored on.',
      ].join('\n'),
    )
    .option('--dataset <ref>', 'dataset hash prefix or folder (default: the current dataset)')
    .addOption(
      new Option(
        '--split <rule>',
        "held-out rule: each customer's last basket, their latest book, or a global time cut",
      )
        .choices(['last-basket', 'leave-last-out', 'time'])
        .default('last-basket'),
    )
    .option(
      '--cut <date|fraction>',
      '--split time: cut date (2024-06-01) or share of newest lines (default 0.2)',
    )
    .option('-k, --k <n>', 'list length the metrics are computed at', intOption('--k'), 10)
    .option(
      '--keep-repeats',
      'count held-out books the customer already bought as relevant (default: drop them)',
    )
    .option('--resamples <n>', 'bootstrap resamples of the customers', intOption('--resamples'), 1000)
    .option(
      '--seed <n>',
      'seed of the bootstrap (and, plus 1, of the random baseline)',
      intOption('--seed'),
      42,
    )
    .option('--threads <n>', 'training worker threads', intOption('--threads'))
    .option('--json', 'machine-readable output');
  addTrainerOptions(command, '--neighbours <n>').action(async (flags: EvalFlags, cmd: Command) => {
    const started = performance.now();
    const ev = await import('../../eval/index.js');
    const rule = splitRule(flags, ev.EvaluationError);
    ev.checkK(flags.k);
    ev.checkBootstrapOptions({ resamples: flags.resamples, seed: flags.seed });
    const params = trainerParams(flags as unknown as Record<string, unknown>, '--neighbours <n>');
    const neighbours = params.k ?? 20;
    // Checked before the slow part: the model answers at most `neighbours` items per list.
    if (flags.k > neighbours) {
      throw usageError(
        `-k ${flags.k} exceeds --neighbours ${neighbours}: the model lists at most its kept neighbours; raise --neighbours`,
        'k',
      );
    }
    const data = await import('../../data/index.js');
    const model = await import('../../model/index.js');

    const ws = workspaceOf(cmd);
    const dir = data.resolveDatasetDir(ws, flags.dataset);
    const loadBar = progressBar('load ', { json: flags.json, unit: 'bytes' });
    const loaded = await data.loadDataset(dir, {
      onProgress: loadBar.update,
      cacheDir: ws.datasetCacheDir,
    });
    loadBar.stop();
    const x = loaded.interactions;
    const split = ev.splitInteractions(x, rule);
    const loadedAt = performance.now();

    const trainBar = progressBar('train', { json: flags.json, unit: 'books' });
    const knn = await model.trainItemKnn(
      split.train,
      { ...params, k: neighbours },
      { threads: flags.threads, onProgress: trainBar.update },
    );
    trainBar.stop();
    const trainedAt = performance.now();

    const rec = new model.Recommender(knn);
    // The adapter: the model's basket answer excludes the basket (= the history) and pads with
    // popular books, which is the eval contract; copying ≤ k ints is the only per-user cost added.
    const itemKnn: Recommender = (history, k, out) => {
      const answer = rec.forBasket(history, k);
      out.set(answer.items);
      return answer.items.length;
    };
    const evalBar = progressBar('eval ', { json: flags.json, unit: 'steps' });
    const report = ev.evaluate({
      train: split.train,
      test: split.test,
      recommenders: {
        'item-knn': itemKnn,
        'most-popular': ev.mostPopularBaseline(split.train),
        random: ev.randomBaseline(split.test.nItems, flags.seed + 1),
      },
      k: flags.k,
      seed: flags.seed,
      resamples: flags.resamples,
      onProgress: evalBar.update,
    });
    evalBar.stop();
    const done = performance.now();

    const result = {
      dataset: { hash: loaded.manifest.hash, uri: loaded.manifest.source.uri },
      split: {
        ...split.rule,
        ...(split.rule.kind === 'time' ? { cutAt: new Date(split.rule.cutAt).toISOString() } : {}),
        lines: x.length,
        trainLines: split.train.length,
        heldOutLines: split.heldOutLines,
        customers: x.customerIds.length,
      },
      params: knn.params,
      timings_s: {
        load: round((loadedAt - started) / 1000),
        train: round((trainedAt - loadedAt) / 1000),
        evaluate: round((done - trainedAt) / 1000),
      },
      report,
      metrics: ev.flatMetrics(report),
    };
    emit(result, flags.json, (r) => render(r, ev.metricLabel));
  });
}

type EvalModule = typeof import('../../eval/index.js');

/** The split rule from --split / --cut. */
export function splitRule(
  flags: Pick<EvalFlags, 'split' | 'cut' | 'keepRepeats'>,
  EvaluationError: EvalModule['EvaluationError'],
) {
  const keepRepeats = flags.keepRepeats === true;
  if (flags.split !== 'time') {
    if (flags.cut !== undefined) {
      throw new EvaluationError('EVAL_BAD_SPLIT', '--cut applies to --split time only', { field: 'cut' });
    }
    return { kind: flags.split, keepRepeats } as const;
  }
  if (flags.cut === undefined) return { kind: 'time', keepRepeats } as const;
  const value = flags.cut.trim();
  const asNumber = Number(value);
  if (value !== '' && Number.isFinite(asNumber) && asNumber > 0 && asNumber < 1) {
    return { kind: 'time', fraction: asNumber, keepRepeats } as const;
  }
  const at = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(at)) {
    throw new EvaluationError(
      'EVAL_BAD_SPLIT',
      `--cut must be a date (2024-06-01 or an ISO timestamp) or a fraction in (0, 1), got "${flags.cut}"`,
      { field: 'cut' },
    );
  }
  return { kind: 'time', cutAt: at, keepRepeats } as const;
}

interface Rendered {
  dataset: { hash: string };
  split: { kind: string; cutAt?: string | number; lines: number; trainLines: number; keepRepeats: boolean };
  params: { similarity: string; k: number };
  report: EvalReport;
}

function render(r: Rendered, label: EvalModule['metricLabel']): string {
  const rep = r.report;
  const how =
    r.split.kind === 'time'
      ? `from ${r.split.cutAt} on`
      : r.split.kind === 'leave-last-out'
        ? 'as their latest purchase'
        : 'in their last basket';
  const head = [
    `dataset ${r.dataset.hash.slice(0, 12)}: ${rep.users.toLocaleString('en')} customers evaluated on the books bought ${how}` +
      ` (${r.split.keepRepeats ? 'repeats kept' : 'books they already owned left out'})`,
    `item-knn: ${r.params.similarity}, ${r.params.k} neighbours, trained on ${r.split.trainLines.toLocaleString('en')} of ${r.split.lines.toLocaleString('en')} lines`,
    `full ranking over ${rep.catalogueSize.toLocaleString('en')} books, k=${rep.k}, binary relevance; ` +
      `${Math.round(rep.confidence * 100)} % CIs from ${rep.resamples} bootstrap resamples of the customers (seed ${rep.seed})`,
    '',
  ];
  const names = rep.recommenders.map((x) => x.name);
  const rows: string[][] = rep.metricNames.map((m) => [
    label(m, rep.k),
    ...rep.recommenders.map((x) => {
      const iv = x.metrics[m];
      return `${fix(iv.mean)} [${fix(iv.low)}, ${fix(iv.high)}]`;
    }),
  ]);
  rows.push([
    'coverage',
    ...rep.recommenders.map((x) => `${(x.coverage * 100).toFixed(1)} % (${x.distinctItems})`),
  ]);
  rows.push([
    'popularity',
    ...rep.recommenders.map((x) => `${x.meanPopularity.toFixed(1)} buyers (${fix(x.meanPopularityNorm)})`),
  ]);
  const lines = rep.comparisons.flatMap((c) =>
    rep.metricNames.map((m) => {
      const d = c.metrics[m];
      const verdict = d.verdict === 'inconclusive' ? 'no clear difference' : d.verdict;
      return `${c.model} vs ${c.baseline}: ${label(m, rep.k)} ${signed(d.difference)} [${signed(d.low)}, ${signed(d.high)}] — ${verdict}`;
    }),
  );
  return [...head, table(['metric', ...names], rows), '', ...lines].join('\n');
}

function fix(v: number): string {
  return v.toFixed(3);
}

/** Always signed, and the sign survives rounding: -0.0004 prints as -0.000, not +0.000. */
function signed(v: number): string {
  const a = Math.abs(v).toFixed(3);
  return v > 0 ? `+${a}` : v < 0 ? `-${a}` : a;
}

function round(s: number): number {
  return Math.round(s * 1000) / 1000;
}
