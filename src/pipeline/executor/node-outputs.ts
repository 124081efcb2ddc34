import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArtifactStore } from '../../store/index.js';
import { decodeParamValue } from '../definition/param.js';
import type { StepSpec } from '../definition/step.js';
import { PipelineError } from '../errors.js';
import { type DatasetReport, readDatasetReports } from '../runner/step-lineage.js';

/**
 * Moving values between nodes: a finished step's outputs folder becomes typed parameters plus
 * content-addressed artifacts (what the node records), and an upstream artifact becomes a local path for
 * the next step (verified on the way out of the store).
 */

/** An artifact a node produced, as recorded on the node. */
export interface ArtifactValue {
  sha256: string;
  size: number;
  kind: 'file' | 'dir';
  uri: string;
}

/** A node's outputs as stored on the node: typed parameters, and artifacts by name. */
export interface NodeOutputs {
  params: Record<string, unknown>;
  artifacts: Record<string, ArtifactValue>;
}

/** What a successful attempt left behind. */
export interface CollectedOutputs extends NodeOutputs {
  datasets: DatasetReport[];
}

const DATASET_FORMAT = 'bookml-dataset/1';

/**
 * Read a step's outputs folder: each parameter from its text file, each artifact into the store.
 * Throws `PIPELINE_INVALID_OUTPUT` naming the output when one is missing or malformed.
 */
export async function collectOutputs(
  step: StepSpec,
  dir: string,
  store: ArtifactStore,
  task: string,
): Promise<CollectedOutputs> {
  const params: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(step.outputs.params)) {
    const where = { task, field: `outputs.${name}` };
    const text = await readFile(join(dir, name), 'utf8').catch(() => {
      throw new PipelineError(
        'PIPELINE_INVALID_OUTPUT',
        `task "${task}": output "${name}" was not written`,
        where,
      );
    });
    params[name] = decodeParamValue(spec, text, where);
  }
  const artifacts: Record<string, ArtifactValue> = {};
  const datasets = await readDatasetReports(dir);
  for (const [name, spec] of Object.entries(step.outputs.artifacts)) {
    const path = join(dir, name);
    const st = await stat(path).catch(() => undefined);
    if (st === undefined || st.isDirectory() !== (spec.kind === 'directory')) {
      throw new PipelineError(
        'PIPELINE_INVALID_OUTPUT',
        `task "${task}": artifact "${name}" must be a ${spec.kind} at ${path}`,
        { task, field: `outputs.${name}` },
      );
    }
    const ref = spec.kind === 'directory' ? await store.putDir(path) : await store.put({ path });
    artifacts[name] = { sha256: ref.sha256, size: ref.size, kind: ref.kind, uri: ref.uri };
    if (spec.kind === 'directory') {
      const dataset = await datasetManifest(path);
      if (dataset !== undefined && !datasets.some((d) => d.hash === dataset.hash)) datasets.push(dataset);
    }
  }
  return { params, artifacts, datasets };
}

// A directory holding a bookml dataset (data/'s `dataset.json` manifest) is a dataset, whoever wrote it.
const MANIFEST_FILES = ['dataset.json', 'manifest.json'];

async function datasetManifest(dir: string): Promise<DatasetReport | undefined> {
  for (const file of MANIFEST_FILES) {
    const found = await readManifest(join(dir, file));
    if (found !== undefined) return found;
  }
  return undefined;
}

async function readManifest(path: string): Promise<DatasetReport | undefined> {
  try {
    const m = JSON.parse(await readFile(path, 'utf8')) as {
      format?: string;
      hash?: string;
      source?: { uri?: string };
    };
    if (m.format !== DATASET_FORMAT || typeof m.hash !== 'string') return undefined;
    return { hash: m.hash, uri: m.source?.uri ?? `artifact:${m.hash}`, manifest: m, relation: 'output' };
  } catch {
    return undefined;
  }
}

/** A local, verified path holding an upstream artifact. Read-only. */
export async function materializeArtifact(store: ArtifactStore, value: ArtifactValue): Promise<string> {
  return value.kind === 'dir' ? store.getDir(value.sha256) : store.get(value.sha256);
}

/** True when `v` looks like an {@link ArtifactValue}. */
export function isArtifactValue(v: unknown): v is ArtifactValue {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as ArtifactValue).sha256 === 'string' &&
    ((v as ArtifactValue).kind === 'file' || (v as ArtifactValue).kind === 'dir')
  );
}
