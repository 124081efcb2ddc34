import type { Command } from 'commander';
import type { WriteBundleInput } from '../../model/index.js';
import { withArtifactStore, workspaceOf } from '../context.js';
import { usageError } from '../errors.js';
import { emit } from '../output.js';

/**
 * What `train --shards/--shard` and `model merge` share: the shard flag's reader, and where a finished
 * bundle goes (a plain `--out` folder, or the workspace's artifact store as the latest model).
 */

/** `--shard I/N` (1-based, as its messages say "shard 2/4") as a 0-based index and a count. */
export function parseShardFlag(value: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  const index = m ? Number(m[1]) - 1 : -1;
  const count = m ? Number(m[2]) : 0;
  if (m === null || count < 1 || index < 0 || index >= count)
    throw usageError(`--shard must be I/N with 1 ≤ I ≤ N (e.g. 2/4), got "${value}"`, '--shard');
  return { index, count };
}

/** `--created-at <iso>`: the bundle's time, for reproducible builds; `CLI_USAGE` when not a date. */
export function parseCreatedAt(value: string): string {
  const t = Date.parse(value);
  if (!Number.isFinite(t))
    throw usageError(`--created-at must be an ISO date-time, got "${value}"`, '--created-at');
  return new Date(t).toISOString();
}

/** Where a saved bundle is, and its manifest. */
export interface SavedBundle {
  manifest: import('../../model/index.js').BundleManifest;
  /** The artifact store's record; null with `--out`. */
  artifact: { sha256: string; uri: string } | null;
}

/**
 * Save a bundle: `out` a plain folder, as asked; otherwise the artifact store keeps it and
 * models/latest.json points at it (plain files, no database). `csv` also writes the seed stack's
 * neighbours.csv. A full disk is `STORE_DISK_FULL` (the user's to fix), and nothing is left half-written.
 */
export async function saveBundle(
  cmd: Command,
  input: WriteBundleInput,
  to: { out?: string; csv?: string },
): Promise<SavedBundle> {
  const ws = workspaceOf(cmd);
  const model = await import('../../model/index.js');
  const { diskFullError } = await import('../../store/artifacts/index.js');
  try {
    let saved: SavedBundle;
    if (to.out) {
      saved = { manifest: model.writeBundle(to.out, input), artifact: null };
    } else {
      const { manifest, pointer } = await withArtifactStore(cmd, (artifacts) =>
        model.saveLatestModel(ws, artifacts, input),
      );
      saved = { manifest, artifact: { sha256: pointer.sha256, uri: pointer.uri } };
    }
    // The bundle's content is still in memory: no need to read it back.
    if (to.csv) await model.writeNeighboursCsv(input, to.csv);
    return saved;
  } catch (e) {
    throw diskFullError(e, `writing the model to ${to.out ?? ws.root}`) ?? e;
  }
}

/** `train --shard I/N`: write the one shard's partial to `--out` and say what it covers. */
export async function writePartial(
  p: import('../../model/index.js').ShardPartial,
  about: Omit<WriteBundleInput, 'model'>,
  flags: { out?: string; json?: boolean },
  timings: { load: number; train: number },
  lines: number,
): Promise<void> {
  const m = await import('../../model/index.js');
  const t0 = performance.now();
  m.writeShardFile(flags.out as string, m.shardFileOf(p, about));
  const r3 = (s: number) => Math.round(s * 1000) / 1000;
  const result = {
    partial: flags.out,
    shard: { index: p.index + 1, count: p.count, lo: p.lo, hi: p.hi },
    lines,
    pairUpdates: p.pairUpdates,
    timings_s: {
      load: r3(timings.load),
      train: r3(timings.train),
      write: r3((performance.now() - t0) / 1000),
    },
  };
  emit(
    result,
    flags.json,
    (r) => `shard ${r.shard.index}/${r.shard.count}: books [${r.shard.lo}, ${r.shard.hi}) → ${r.partial}`,
  );
}

interface MergeFlags {
  out?: string;
  csv?: string;
  json?: boolean;
}

/** `bookml model merge <partials...>`: the shards of one `train --shard I/N` fan-out into the bundle. */
export function registerModelMerge(model: Command): void {
  model
    .command('merge <partials...>')
    .description(
      'merge the partials of `bookml train --shard I/N` (every shard, any order) into the model bundle, byte-identical to training unsharded',
    )
    .option('--out <dir>', "write the bundle to this folder instead of the workspace's artifact store")
    .option('--csv <file>', "also write the seed stack's neighbours.csv")
    .option('--json', 'machine-readable output')
    .action(async (partials: string[], flags: MergeFlags, cmd: Command) => {
      const m = await import('../../model/index.js');
      const input = m.mergeShardFiles(partials.map((dir) => m.readShardFile(dir)));
      const saved = await saveBundle(cmd, input, flags);
      const result = {
        model: flags.out ?? saved.artifact?.uri,
        modelId: saved.manifest.modelId,
        artifact: saved.artifact,
        shards: partials.length,
        counts: saved.manifest.counts,
        createdAt: saved.manifest.createdAt,
      };
      emit(result, flags.json, (r) => `merged ${r.shards} shard(s) into ${r.modelId} → ${r.model}`);
    });
}
