import type { Command } from 'commander';
import { intOption, workspaceOf } from '../context.js';
import { usageError } from '../errors.js';
import { emit, table } from '../output.js';
import { progressBar } from '../progress.js';
import { parseCreatedAt, parseShardFlag, saveBundle, writePartial } from './train-shards.js';
import { addTrainerOptions, trainerParams } from './trainer-options.js';

interface TrainFlags {
  dataset?: string;
  input?: string;
  map?: string;
  encoding?: string;
  threads?: number;
  shards?: number;
  shard?: { index: number; count: number };
  createdAt?: string;
  out?: string;
  csv?: string;
  json?: boolean;
}

export function registerTrainCommand(program: Command): void {
  const command = program
    .command('train')
    .description(
      "train item-kNN on the current dataset (or --dataset / --input); the bundle goes to the artifact store and becomes the workspace's latest model",
    )
    .option('--dataset <ref>', 'dataset hash prefix or folder (default: the current dataset)')
    .option('--input <file>', 'train straight from a purchase-lines CSV/JSONL instead of a stored dataset')
    .option(
      '--map <mapping>',
      'columns of --input, e.g. customer=customer_id,item=book_id',
      'customer=customer_id,item=book_id',
    )
    .option(
      '--encoding <name>',
      'text encoding of --input when it is not UTF-8: latin1, windows-1252, utf16le, …',
    );
  addTrainerOptions(command, '-k, --k <n>')
    .option('--threads <n>', 'worker threads (the model is identical for any count)', intOption('--threads'))
    .option(
      '--shards <n>',
      'score the books in N item ranges, one after another, and merge them (the bundle is byte-identical to --shards 1)',
      intOption('--shards'),
    )
    .option(
      '--shard <i/n>',
      'train only shard I of N (1-based) and write its partial to --out; `bookml model merge` joins all N',
      parseShardFlag,
    )
    .option(
      '--created-at <iso>',
      "the bundle's creation time instead of now (reproducible builds)",
      parseCreatedAt,
    )
    .option(
      '--out <dir>',
      "write the bundle to this folder instead of the workspace's artifact store (latest is not moved)",
    )
    .option('--csv <file>', "also write the seed stack's neighbours.csv")
    .option('--json', 'machine-readable output')
    .action(async (flags: TrainFlags, cmd: Command) => {
      const started = performance.now();
      if (flags.shard && !flags.out)
        throw usageError('--shard writes a partial: give it --out <dir>', '--out');
      if (flags.shard && flags.shards !== undefined)
        throw usageError('--shard I/N already says how many shards: leave out --shards', '--shards');
      const ws = workspaceOf(cmd);
      const data = await import('../../data/index.js');
      const model = await import('../../model/index.js');
      const { codeVersion } = await import('../../core/index.js');

      const loadBar = progressBar('load ', { json: flags.json, unit: 'lines' });
      let loaded: Awaited<ReturnType<typeof data.loadDataset>>;
      let dataset: { hash: string; uri: string };
      if (flags.input) {
        loaded = await data.readInteractionsFile(flags.input, data.parseMapping(flags.map ?? ''), {
          encoding: flags.encoding,
        });
        dataset = { hash: loaded.manifest.hash, uri: loaded.manifest.source.uri };
      } else {
        loaded = await data.loadDataset(data.resolveDatasetDir(ws, flags.dataset), {
          onProgress: loadBar.update,
          cacheDir: ws.datasetCacheDir,
        });
        dataset = { hash: loaded.manifest.hash, uri: loaded.manifest.source.uri };
      }
      loadBar.stop();
      const loadedAt = performance.now();

      const bar = progressBar('train', { json: flags.json, unit: 'books' });
      const params = trainerParams(flags as unknown as Record<string, unknown>, '-k, --k <n>');
      const shards = flags.shard ?? { count: flags.shards ?? 1 };
      const parts = await model.trainShards(
        loaded.interactions,
        params,
        { count: shards.count, only: flags.shard?.index },
        { threads: flags.threads, onProgress: bar.update },
      );
      bar.stop();
      const trainedAt = performance.now();
      const about = {
        itemIds: loaded.interactions.itemIds,
        itemIdsNumeric: loaded.interactions.itemIdsNumeric,
        title: loaded.catalogue.title,
        author: loaded.catalogue.author,
        dataset,
        code: codeVersion(),
        createdAt: flags.createdAt ?? new Date().toISOString(),
      };
      if (flags.shard) {
        const timings = { load: (loadedAt - started) / 1000, train: (trainedAt - loadedAt) / 1000 };
        await writePartial(parts[0], about, flags, timings, loaded.interactions.length);
        return;
      }
      const knn = model.joinShards(parts);
      const input = { model: knn, ...about };
      const saved = await saveBundle(cmd, input, flags);
      const done = performance.now();

      const trainS = (trainedAt - loadedAt) / 1000;
      const result = {
        /** Where the bundle is: the --out folder, else its artifact-store URI. */
        model: flags.out ?? saved.artifact?.uri,
        modelId: saved.manifest.modelId,
        artifact: saved.artifact,
        dataset,
        params: knn.params,
        counts: saved.manifest.counts,
        shards: shards.count,
        lines: loaded.interactions.length,
        timings_s: {
          load: round((loadedAt - started) / 1000),
          train: round(trainS),
          write: round((done - trainedAt) / 1000),
          total: round((done - started) / 1000),
        },
        pairUpdatesPerSecond: Math.round(knn.pairUpdates / Math.max(trainS, 1e-9)),
      };
      emit(result, flags.json, (r) =>
        [
          `trained ${r.modelId} (${r.params.similarity}, k=${r.params.k}) → ${r.model}`,
          table(
            ['lines', 'books', 'rows', 'pairs', 'neighbours', 'load s', 'train s', 'updates/s'],
            [
              [
                r.lines,
                r.counts.items,
                r.counts.rows,
                r.counts.pairs,
                r.counts.neighbours,
                r.timings_s.load,
                r.timings_s.train,
                r.pairUpdatesPerSecond,
              ],
            ],
          ),
        ].join('\n'),
      );
    });
}

function round(s: number): number {
  return Math.round(s * 1000) / 1000;
}
