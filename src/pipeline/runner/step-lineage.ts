import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StepContext } from '../definition/step.js';

/** The file, beside a step's outputs, where it reports the datasets it read or made. Not an output. */
export const LINEAGE_FILE = '.bookml-lineage.jsonl';

/** A dataset a step reports: its content hash, where it came from, and optionally its manifest. */
export interface DatasetReport {
  hash: string;
  uri: string;
  manifest?: unknown;
  /** `output` when the step made the snapshot, `input` when it only read it. @default 'output' */
  relation?: 'input' | 'output';
}

/**
 * Report a dataset to the run's lineage. The executor records it when the attempt succeeds (Argo runs
 * ignore the file). Directory artifacts holding a bookml dataset manifest are recorded without this.
 * @example await reportDataset(ctx, { hash: manifest.hash, uri: 'bookstore-db://orders' });
 */
export async function reportDataset(
  ctx: Pick<StepContext, 'outputDir'>,
  dataset: DatasetReport,
): Promise<void> {
  await appendFile(join(ctx.outputDir, LINEAGE_FILE), `${JSON.stringify(dataset)}\n`);
}

/** The datasets reported in an outputs folder. */
export async function readDatasetReports(outputsDir: string): Promise<DatasetReport[]> {
  const text = await readFile(join(outputsDir, LINEAGE_FILE), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as DatasetReport)
    .filter((d) => typeof d.hash === 'string' && typeof d.uri === 'string');
}
