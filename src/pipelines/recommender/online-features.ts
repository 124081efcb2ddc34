import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadDataset } from '../../data/index.js';
import {
  BUNDLE_MANIFEST,
  CUSTOMER_HISTORY_DEFINITION,
  customerHistories,
  customerHistoryRef,
  historyEntries,
  parseBundleManifest,
} from '../../model/index.js';
import type { StepContext, StepCustomerHistory } from '../../pipeline/index.js';

/** What the registered version's lineage records of its online features. */
export interface OnlineLineage {
  readonly view: string;
  readonly version: string;
  readonly definition: number;
  /** `redis` or `db`. */
  readonly store: string;
  readonly customers: number;
  readonly entries: number;
}

/**
 * Materialise the customer histories of the dataset the bundle was trained on into the online store,
 * under the feature version serving derives from the same bundle (`customerHistoryRef` of its dataset
 * hash). Nothing happens where the runtime has no online store: the lineage then records none, and
 * serving a customer falls back to popularity.
 */
export async function materialiseHistories(
  ctx: Pick<StepContext, 'online' | 'log' | 'datasets'>,
  datasetDir: string,
  bundleDir: string,
): Promise<OnlineLineage | undefined> {
  if (ctx.online === undefined) {
    ctx.log.warn('no online store in this runtime: customer histories were not materialised');
    return undefined;
  }
  const manifest = parseBundleManifest(await readFile(join(bundleDir, BUNDLE_MANIFEST)), bundleDir);
  const ref = customerHistoryRef(manifest.dataset.hash);
  const x = (await loadDataset(datasetDir, { cacheDir: await ctx.datasets.parsedCacheDir() })).interactions;
  const h = customerHistories(x);
  function* rows(): Iterable<StepCustomerHistory> {
    for (let c = 0; c < x.customerIds.length; c++) {
      if (h.offsets[c + 1] > h.offsets[c])
        yield { customer: x.customerIds[c], entries: historyEntries(h, c, x.itemIds) };
    }
  }
  const out = await ctx.online.materialise(ref, manifest.dataset.hash, rows());
  ctx.log.info(
    `online store (${out.store}): ${ref.view}@${ref.version} ← ${out.customers} customers, ${out.entries} entries`,
  );
  return { ...ref, definition: CUSTOMER_HISTORY_DEFINITION, ...out };
}
