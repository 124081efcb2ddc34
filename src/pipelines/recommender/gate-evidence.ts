import { performance } from 'node:perf_hooks';
import type { Similarity } from '../../model/index.js';
import type { StepArtifacts, StepDatasets } from '../../pipeline/index.js';
import type { GateEvidence, VersionRecord } from '../../registry/index.js';
import { PipelinesError } from '../errors.js';
import { EVAL_K } from './params.js';

/**
 * The model I/O the registry's promotion gates need and leave to the caller: a latency micro-benchmark of
 * the candidate, and production re-evaluated on the candidate's split. Production's *configuration* is
 * retrained on the candidate's train side rather than its stored bundle scored, because that bundle was
 * refit on every line — including the candidate's test baskets — and would look better than it is.
 * It reads datasets and bundles through the same ports steps use, so the control plane (for a remote
 * step's promotion) and the local runtime measure the same way.
 */
export function gateEvidence(ports: {
  datasets: Pick<StepDatasets, 'get' | 'parsedCacheDir'>;
  artifacts: Pick<StepArtifacts, 'getDir'>;
}): GateEvidence {
  const { datasets, artifacts } = ports;
  return {
    benchmarkLatency: async (candidate) => {
      // Loaded here, not at the top: the catalogue's door exports this, and step processes load the
      // catalogue — they should not pay for the model and eval layers unless a step uses them.
      const { Recommender, readBundle } = await import('../../model/index.js');
      const rec = new Recommender(readBundle(await bundleDir(artifacts, candidate), { verify: false }).model);
      const n = Math.min(rec.model.nItems, 2000);
      const samples = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        rec.forItem(i, EVAL_K);
        samples[i] = performance.now() - t;
      }
      samples.sort();
      return { p99Ms: samples[Math.min(n - 1, Math.floor(n * 0.99))] ?? 0, samples: n };
    },
    evaluateOnCandidateSplit: async ({ production, candidate }) => {
      const [{ itemPopularity, scoreRecommender }, { asEvalRecommender, fitKnn, loadSplit }] =
        await Promise.all([import('../../eval/index.js'), import('./model-fit.js')]);
      const hash = candidate.lineage.dataset?.hash;
      const recorded = await recordedParams(production);
      if (hash === undefined || recorded === undefined) return Number.NaN;
      const { outer } = await loadSplit((await datasets.get(hash)).dir, await datasets.parsedCacheDir());
      const knn = await fitKnn(outer.train, recorded);
      const scored = scoreRecommender(outer.test, asEvalRecommender(knn), {
        k: EVAL_K,
        popularity: itemPopularity(outer.train),
        name: `production v${production.version}`,
      });
      return scored.mean.ndcg;
    },
    measureExposure: async (candidate) => {
      // The candidate's configuration retrained on its split's train side, as the evaluate step
      // scores it (its stored bundle saw the test baskets), and its test lists' exposure measured.
      const [ev, { asEvalRecommender, fitKnn, loadSplit }, { fairnessRecord }] = await Promise.all([
        import('../../eval/index.js'),
        import('./model-fit.js'),
        import('./evaluate.js'),
      ]);
      const hash = candidate.lineage.dataset?.hash;
      const recorded = await recordedParams(candidate);
      if (hash === undefined || recorded === undefined) {
        throw new PipelinesError(
          'PIPELINES_BAD_INPUT',
          `version ${candidate.version} records no dataset or no similarity and K: its lists cannot be measured`,
          { field: 'version' },
        );
      }
      const { loaded, outer } = await loadSplit(
        (await datasets.get(hash)).dir,
        await datasets.parsedCacheDir(),
      );
      const knn = await fitKnn(outer.train, recorded);
      const popularity = ev.itemPopularity(outer.train);
      const scored = ev.scoreRecommender(outer.test, asEvalRecommender(knn), {
        k: EVAL_K,
        popularity,
        name: `v${candidate.version}`,
      });
      const report = ev.exposureReport(scored.exposure, popularity, loaded.catalogue);
      return { metrics: ev.exposureMetrics(report), notApplicable: fairnessRecord(report).notApplicable };
    },
  };
}

/**
 * A version's own configuration, every trainer option it recorded (older versions recorded only
 * similarity and K: the rest then takes the trainer's defaults); undefined without similarity and K.
 */
async function recordedParams(v: VersionRecord): Promise<Record<string, unknown> | undefined> {
  const { similarity, k } = v.params as { similarity?: Similarity; k?: number };
  if (similarity === undefined || k === undefined) return undefined;
  const { trainParamsSchema } = await import('../../model/index.js');
  const known = Object.keys(trainParamsSchema.shape);
  const recorded = Object.fromEntries(Object.entries(v.params).filter(([key]) => known.includes(key)));
  return { ...recorded, similarity, k: Math.max(k, EVAL_K) };
}

async function bundleDir(artifacts: Pick<StepArtifacts, 'getDir'>, v: VersionRecord): Promise<string> {
  if (v.artifactHash === null) throw new Error(`version ${v.version} has no artifact hash`);
  return artifacts.getDir(v.artifactHash.replace(/^sha256:/, ''));
}
