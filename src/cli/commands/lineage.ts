import type { Command } from 'commander';
import { workspaceOf } from '../context.js';
import { emit } from '../output.js';

/**
 * `bookml lineage <run|artifact>`: for a run (an ID or `@latest`), the datasets, code version, parameters
 * and every node's artifacts with their producers; for an artifact (a sha256 or a unique prefix), the chain
 * of producing nodes back to the data, and who used it.
 */
export function registerLineageCommand(program: Command): void {
  program
    .command('lineage <ref>')
    .description('print the lineage of a run (ID or @latest) or an artifact (sha256 or prefix)')
    .option('--json', 'machine-readable output')
    .action(async (ref: string, flags: { json?: boolean }, cmd: Command) => {
      const p = await import('../../pipeline/executor/index.js');
      const { openMetadataDb, RunStore } = await import('../../store/index.js');
      const db = await openMetadataDb({ workspace: workspaceOf(cmd) });
      try {
        const isRun = ref === '@latest' || (await new RunStore(db).getRun(ref)) !== undefined;
        if (isRun) emit(await p.runLineage(db, ref), flags.json, p.renderRunLineage);
        else emit(await p.artifactLineage(db, ref), flags.json, p.renderArtifactLineage);
      } finally {
        await db.close();
      }
    });
}
