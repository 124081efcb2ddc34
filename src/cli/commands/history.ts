import { resolve } from 'node:path';
import type { Command } from 'commander';
import { appConfigOf } from '../context.js';
import { usageError } from '../errors.js';
import { emit, table } from '../output.js';

interface IngestFlags {
  map: string;
  dateFormat: string;
  format?: 'csv' | 'jsonl';
  json?: boolean;
}

/**
 * Run `fn` with the online store the configuration names (Redis when BOOKML_REDIS_URL is set, else
 * the metadata database); closes what was opened.
 */
async function withOnlineStore<T>(
  cmd: Command,
  fn: (
    online: import('../../store/online/index.js').OnlineStore,
    clock: import('../../core/index.js').Clock,
  ) => Promise<T>,
): Promise<T> {
  const { createApp } = await import('../../app/index.js');
  const app = createApp(await appConfigOf(cmd));
  try {
    return await fn(await app.stores.online(), app.clock);
  } finally {
    await app.close();
  }
}

/** `bookml history`: the online store's customer histories — append new orders, list versions. */
export function registerHistoryCommands(program: Command): void {
  const history = program
    .command('history')
    .description("customers' purchase histories in the online store (what personal recommendations read)");

  history
    .command('ingest <file>')
    .description(
      'append new orders (CSV or JSONL purchase lines) to every materialised history version: serving recommends from them at once, without a retrain',
    )
    .option(
      '--map <mapping>',
      'column roles (customer, item, time), e.g. customer=customer_id,item=book_id,time=created_at',
      'customer=customer_id,item=book_id,time=created_at',
    )
    .option(
      '--date-format <format>',
      'iso | epoch-s | epoch-ms | a pattern such as YYYY-MM-DD HH:mm:ss',
      'iso',
    )
    .option('--format <format>', 'csv | jsonl (default: from the file extension)')
    .option('--json', 'machine-readable output')
    .action(async (file: string, flags: IngestFlags, cmd: Command) => {
      if (flags.format !== undefined && flags.format !== 'csv' && flags.format !== 'jsonl')
        throw usageError(`--format must be csv or jsonl, got "${flags.format}"`, '--format');
      const data = await import('../../data/index.js');
      const model = await import('../../model/index.js');
      // The importer's reader: the same column mapping, date formats and bad-row errors as `data import`.
      const read = await data.readInteractionsFile(resolve(file), data.parseMapping(flags.map), {
        format: flags.format ?? data.formatOf(file),
        dateFormat: flags.dateFormat,
      });
      const result = await withOnlineStore(cmd, async (online, clock) => {
        const out = await online.append(model.historyPurchases(read.interactions, clock.now()));
        return {
          file: resolve(file),
          lines: read.interactions.length,
          purchases: out.purchases,
          customers: out.customers,
          store: online.kind,
          versions: out.versions.map((v) => `${v.view}@${v.version}`),
        };
      });
      emit(result, flags.json, (r) =>
        r.versions.length === 0
          ? `no history version is materialised yet (run the recommender pipeline): nothing appended from ${r.lines} lines`
          : `appended ${r.purchases} purchases of ${r.customers} customers (${r.lines} lines) to ${r.versions.join(', ')} (${r.store})`,
      );
    });

  history
    .command('versions')
    .description('the materialised feature versions, newest first')
    .option('--json', 'machine-readable output')
    .action(async (flags: { json?: boolean }, cmd: Command) => {
      const versions = await withOnlineStore(cmd, (online) => online.versions());
      emit({ versions }, flags.json, (r) =>
        r.versions.length === 0
          ? 'no history version is materialised yet (the recommender pipeline writes one at registration)'
          : table(
              ['view', 'version', 'dataset', 'customers', 'entries', 'created'],
              r.versions.map((v) => [
                v.view,
                v.version,
                v.source.slice(0, 12),
                v.customers,
                v.entries,
                new Date(v.createdAt).toISOString(),
              ]),
            ),
      );
    });
}
