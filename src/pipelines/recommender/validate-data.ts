import { writeFile } from 'node:fs/promises';
import { artifact, defineStep, param } from '../../pipeline/index.js';
import { PipelinesError } from '../errors.js';

/**
 * validate: the data-quality gate (`src/data` validateDataset with its default thresholds). A failing
 * dataset fails the step without retries — bad data does not get better by trying again — and the message
 * lists every failed check; a passing one hands its report on for the registry's lineage.
 */
export const validateDataStep = defineStep({
  name: 'validate',
  version: '1',
  description: 'Data-quality gate: enough lines, customers and books; few unknown, duplicate or bad rows.',
  inputs: { artifacts: { dataset: artifact.directory() } },
  outputs: {
    params: { checks: param.integer({ min: 0 }) },
    artifacts: { report: artifact.file({ description: 'data-quality report (JSON)' }) },
  },
  pure: true,
  retrySafe: true,
  timeoutSeconds: 600,
  run: async (ctx, { dataset }) => {
    const { validateDataset } = await import('../../data/index.js');
    // The parse is kept: the sweep and the evaluation after this step read it instead of the CSVs.
    const report = await validateDataset(dataset, { cacheDir: await ctx.datasets.parsedCacheDir() });
    const path = ctx.outputPath('report');
    await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
    const failed = report.checks.filter((c) => !c.pass);
    if (failed.length > 0) {
      const list = failed.map((c) => `${c.name} ${c.value} (must be ${c.op} ${c.threshold})`).join('; ');
      throw new PipelinesError(
        'PIPELINES_DATA_GATE_FAILED',
        `dataset ${report.dataset.hash.slice(0, 16)} failed the data-quality gate: ${list}`,
        { field: 'dataset' },
      );
    }
    ctx.log.info(`data-quality gate passed (${report.checks.length} checks)`, {
      lines: report.counts.orderLines,
    });
    return { checks: report.checks.length, report: path };
  },
});
