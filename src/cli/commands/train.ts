import type { Command } from 'commander';
import { intOption, numberOption, workspaceOf } from '../context.js';
import { emit, table } from '../output.js';
import { progressBar } from '../progress.js';

interface TrainFlags {
  dataset?: string;
  input?: string;
  map?: string;
  similarity: string;
  k: number;
  unit: string;
  alpha?: number;
  shrinkage?: number;
  minCoCount?: number;
  heavyBuyerBeta?: number;
  halfLifeDays?: number;
  threads?: number;
  out?: string;
  csv?: string;
  json?: boolean;
}

export function registerTrainCommand(program: Command): void {
  program
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
    .option('--similarity <name>', 'cosine | jaccard | lift | conditional', 'cosine')
    .option('-k, --k <n>', 'neighbours kept per book', intOption('--k'), 20)
    .option('--unit <unit>', 'matrix rows: customer | basket', 'customer')
    .option('--alpha <a>', 'conditional: popularity damping of the neighbour (0..1)', numberOption('--alpha'))
    .option('--shrinkage <lambda>', 'damp rare pairs: score × co/(co+λ)', numberOption('--shrinkage'))
    .option('--min-co-count <n>', 'drop pairs co-bought by fewer rows', intOption('--min-co-count'))
    .option(
      '--heavy-buyer-beta <b>',
      'down-weight heavy buyers: 1/log2(2+items)^β',
      numberOption('--heavy-buyer-beta'),
    )
    .option(
      '--half-life-days <d>',
      'time decay: weight halves every d days before the newest purchase',
      numberOption('--half-life-days'),
    )
    .option('--threads <n>', 'worker threads (the model is identical for any count)', intOption('--threads'))
    .option(
      '--out <dir>',
      "write the bundle to this folder instead of the workspace's artifact store (latest is not moved)",
    )
    .option('--csv <file>', "also write the seed stack's neighbours.csv")
    .option('--json', 'machine-readable output')
    .action(async (flags: TrainFlags, cmd: Command) => {
      const started = performance.now();
      const ws = workspaceOf(cmd);
      const data = await import('../../data/index.js');
      const model = await import('../../model/index.js');
      const { codeVersion } = await import('../../core/index.js');

      const loadBar = progressBar('load ', { json: flags.json, unit: 'lines' });
      let loaded: Awaited<ReturnType<typeof data.loadDataset>>;
      let dataset: { hash: string; uri: string };
      if (flags.input) {
        loaded = await data.readInteractionsFile(flags.input, data.parseMapping(flags.map ?? ''));
        dataset = { hash: loaded.manifest.hash, uri: loaded.manifest.source.uri };
      } else {
        const ref = data.resolveDataset(ws, flags.dataset);
        loaded = await data.loadDataset(ref.dir, { onProgress: loadBar.update });
        dataset = { hash: loaded.manifest.hash, uri: loaded.manifest.source.uri };
      }
      loadBar.stop();
      const loadedAt = performance.now();

      const bar = progressBar('train', { json: flags.json, unit: 'books' });
      const params = {
        similarity: flags.similarity,
        k: flags.k,
        unit: flags.unit,
        alpha: flags.alpha,
        shrinkage: flags.shrinkage,
        minCoCount: flags.minCoCount,
        heavyBuyerBeta: flags.heavyBuyerBeta,
        halfLifeDays: flags.halfLifeDays,
      };
      const knn = await model.trainItemKnn(
        loaded.interactions,
        Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)),
        { threads: flags.threads, onProgress: bar.update },
      );
      bar.stop();
      const trainedAt = performance.now();

      const input = {
        model: knn,
        itemIds: loaded.interactions.itemIds,
        itemIdsNumeric: loaded.interactions.itemIdsNumeric,
        title: loaded.catalogue.title,
        author: loaded.catalogue.author,
        dataset,
        code: codeVersion(),
        createdAt: new Date().toISOString(),
      };
      // --out: a plain folder, as asked. Otherwise the artifact store keeps the bundle and
      // models/latest.json points at it; the store is plain files, so no database is opened.
      let saved: {
        manifest: ReturnType<typeof model.writeBundle>;
        artifact: { sha256: string; uri: string } | null;
      };
      if (flags.out) {
        saved = { manifest: model.writeBundle(flags.out, input), artifact: null };
      } else {
        const { openArtifactStore } = await import('../../store/artifacts/index.js');
        const artifacts = await openArtifactStore({ workspace: ws });
        const { manifest, pointer } = await model.saveLatestModel(ws, artifacts, input);
        saved = { manifest, artifact: { sha256: pointer.sha256, uri: pointer.uri } };
      }
      if (flags.csv) {
        // The bundle's content is still in memory: no need to read it back.
        const bundle = { ...input, manifest: saved.manifest };
        await model.writeNeighboursCsv(bundle, flags.csv);
      }
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
