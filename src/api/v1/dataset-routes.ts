import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { StepDataset, StepDatasets } from '../../pipeline/index.js';
import type { ArtifactStore, DirArtifactRef } from '../../store/index.js';
import { ApiError } from '../errors.js';
import { routeSchema } from './route-schema.js';
import {
  AddDatasetBody,
  AddedDataset,
  CurrentDataset,
  Dataset,
  DatasetList,
  DatasetRefParams,
  type DatasetSummary,
} from './schemas.js';

/**
 * The datasets a control plane serves: the step port, plus a listing when the composition root has one
 * (the list route answers 501 without it).
 */
export interface ControlPlaneDatasets extends StepDatasets {
  /** Every dataset, with the current one flagged. */
  list?(): Promise<readonly (StepDataset & { readonly current?: boolean })[]>;
}

/** Options of {@link datasetRoutes}; a route whose dependency is absent answers 501 `API_NOT_AVAILABLE`. */
export interface DatasetRoutesOptions {
  datasets: ControlPlaneDatasets | undefined;
  artifacts: ArtifactStore | undefined;
}

/**
 * `/api/v1/datasets`: list, the current one, one by hash prefix, and add. A dataset travels as a
 * directory artifact: a reply names the artifact holding its files (download it with the artifact
 * routes), and adding one names a directory artifact uploaded before, which the server materialises
 * and adds. Reads need viewer, adding operator.
 */
export async function datasetRoutes(app: FastifyInstance, opts: DatasetRoutesOptions): Promise<void> {
  const tag = 'datasets';
  const need = () => {
    if (opts.datasets === undefined || opts.artifacts === undefined) {
      throw new ApiError('API_NOT_AVAILABLE', 'this control plane serves no datasets');
    }
    return { datasets: opts.datasets, artifacts: opts.artifacts };
  };
  // Datasets are immutable, so the artifact holding one's files is too: stored once per process.
  const stored = new Map<string, DirArtifactRef>();
  const withArtifact = async (artifacts: ArtifactStore, d: StepDataset) => {
    let ref = stored.get(d.hash);
    if (ref === undefined || !(await artifacts.has(ref.sha256))) {
      ref = await artifacts.putDir(d.dir);
      stored.set(d.hash, ref);
    }
    return { ...summary(d), artifact: ref };
  };

  app.get(
    '/datasets',
    {
      config: { role: 'viewer' },
      schema: routeSchema({
        summary: 'List datasets, oldest first, the current one flagged',
        tag,
        ok: { 200: DatasetList },
        errors: [501],
      }),
    },
    async () => {
      const { datasets } = need();
      if (datasets.list === undefined) {
        throw new ApiError('API_NOT_AVAILABLE', 'this control plane cannot list its datasets');
      }
      return {
        datasets: (await datasets.list()).map((d) => ({ ...summary(d), current: d.current === true })),
      };
    },
  );

  app.get(
    '/datasets/current',
    {
      config: { role: 'viewer' },
      schema: routeSchema({
        summary: 'The current dataset (null when none was made current yet)',
        tag,
        ok: { 200: CurrentDataset },
        errors: [501],
      }),
    },
    async () => {
      const { datasets, artifacts } = need();
      const d = await datasets.current();
      return { dataset: d === undefined ? null : await withArtifact(artifacts, d) };
    },
  );

  app.get<{ Params: z.infer<typeof DatasetRefParams> }>(
    '/datasets/:ref',
    {
      config: { role: 'viewer' },
      schema: routeSchema({
        summary: 'The dataset whose hash starts with ref, and the directory artifact holding its files',
        tag,
        params: DatasetRefParams,
        ok: { 200: Dataset },
        errors: [501],
      }),
    },
    async (req) => {
      const { datasets, artifacts } = need();
      return withArtifact(artifacts, await datasets.get(req.params.ref));
    },
  );

  app.post<{ Body: z.infer<typeof AddDatasetBody> }>(
    '/datasets',
    {
      config: { role: 'operator' },
      schema: routeSchema({
        summary:
          'Add a dataset from a directory artifact uploaded before (the same content again is the same dataset, created: false)',
        tag,
        body: AddDatasetBody,
        ok: { 200: AddedDataset, 201: AddedDataset },
        errors: [501],
      }),
    },
    async (req, reply) => {
      const { datasets, artifacts } = need();
      const dir = await artifacts.getDir(req.body.artifact);
      const d = await datasets.add(dir, req.body.source, { makeCurrent: req.body.makeCurrent === true });
      return reply
        .code(d.created ? 201 : 200)
        .send({ ...(await withArtifact(artifacts, d)), created: d.created });
    },
  );
}

function summary(d: StepDataset): z.infer<typeof DatasetSummary> {
  return { hash: d.hash, source: { ...d.source }, counts: { ...d.counts } };
}
