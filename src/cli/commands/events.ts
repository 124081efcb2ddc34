import type { Command } from 'commander';
import { appConfigOf, hostInForeground, intOption } from '../context.js';
import { CliError } from '../errors.js';
import { emit, table } from '../output.js';

/**
 * `bookml events list`: every decision the triggers made — a schedule's tick or a sensor's event that
 * fired a run, or was filtered, rate-limited, deduplicated, suppressed — with its reason and run.
 */
export function registerEventsCommands(program: Command): void {
  const events = program
    .command('events')
    .description('what the triggers decided: schedule ticks and sensor events, with their reasons');

  events
    .command('list')
    .description('recent trigger decisions, newest first')
    .option('--trigger <name>', 'only this schedule or sensor')
    .option('--source <kind>', 'schedule | sensor')
    .option('--outcome <outcome>', 'only this outcome (fired, rate-limited, deduplicated, …)')
    .option('--limit <n>', 'at most this many (1–1000)', intOption('--limit'), 50)
    .option('--json', 'machine-readable output')
    .action(
      async (
        flags: { trigger?: string; source?: string; outcome?: string; limit: number; json?: boolean },
        cmd: Command,
      ) => {
        const { createApp } = await import('../../app/index.js');
        const { DecisionLog } = await import('../../triggers/index.js');
        const app = createApp(await appConfigOf(cmd));
        try {
          const log = new DecisionLog(await app.stores.db());
          const list = await log.list({
            limit: flags.limit,
            ...(flags.trigger ? { trigger: flags.trigger } : {}),
            ...(flags.source ? { source: flags.source as 'schedule' | 'sensor' } : {}),
            ...(flags.outcome ? { outcome: flags.outcome as never } : {}),
          });
          emit(list, flags.json, (ds) =>
            ds.length === 0
              ? 'no trigger decisions yet (bookml up hosts the scheduler and the sensors)'
              : table(
                  ['when', 'source', 'trigger', 'outcome', 'run', 'event', 'reason'],
                  ds.map((d) => [
                    new Date(d.createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
                    d.source,
                    d.trigger,
                    d.outcome,
                    d.runId ?? '-',
                    d.eventId ?? '-',
                    d.reason,
                  ]),
                ),
          );
        } finally {
          await app.close();
        }
      },
    );

  events
    .command('serve')
    .description('serve the signed webhook alone (POST /recommender-dataset-ready, POST /events/:source)')
    .option('--host <addr>', 'address to bind', '127.0.0.1')
    .option('--port <n>', 'TCP port, 0 for any free one', intOption('--port'), 12000)
    .option('--json', 'print the listening address as JSON')
    .action(async (flags: { host: string; port: number; json?: boolean }, cmd: Command) => {
      const { createApp, webhookComponent } = await import('../../app/index.js');
      const app = createApp(await appConfigOf(cmd));
      const webhook = webhookComponent(app, { host: flags.host, port: flags.port });
      await hostInForeground(app, [webhook]);
      const info = webhook.info;
      if (info === null) return;
      process.stdout.write(
        flags.json
          ? `${JSON.stringify(info)}\n`
          : `webhook on ${info.url} (secret ${info.secretPath ?? 'from BOOKML_WEBHOOK_SECRET'})\n`,
      );
    });

  const source = events
    .command('source')
    .description("where exports come from: the column mapping a webhook's files are read with");
  source
    .command('add [name]')
    .description('store a source (name "default" unless given): a webhook then only names the file')
    .requiredOption(
      '--map <roles>',
      'customer=COLUMN,item=COLUMN[,time=COLUMN] (as bookml data import --map)',
    )
    .option('--date-format <fmt>', 'how the time column is written', 'iso')
    .option('--json', 'machine-readable output')
    .action(
      async (
        name: string | undefined,
        flags: { map: string; dateFormat: string; json?: boolean },
        cmd: Command,
      ) => {
        const { saveEventSource } = await import('../../app/index.js');
        const { workspaceOf } = await import('../context.js');
        const saved = saveEventSource(workspaceOf(cmd), {
          name: name ?? 'default',
          map: flags.map,
          dateFormat: flags.dateFormat,
        });
        emit(saved, flags.json, (s) => `source ${s.name}: ${s.map} (dates ${s.dateFormat})`);
      },
    );
  source
    .command('list')
    .description('the stored sources')
    .option('--json', 'machine-readable output')
    .action(async (flags: { json?: boolean }, cmd: Command) => {
      const { listEventSources } = await import('../../app/index.js');
      const { workspaceOf } = await import('../context.js');
      emit(listEventSources(workspaceOf(cmd)), flags.json, (list) =>
        list.length === 0
          ? 'no sources: add one with `bookml events source add --map customer=…,item=…,time=…`'
          : table(
              ['name', 'mapping', 'dates'],
              list.map((s) => [s.name, s.map, s.dateFormat]),
            ),
      );
    });

  events
    .command('send')
    .description(
      "sign and send a dataset-ready webhook with this workspace's secret (what an export job would do)",
    )
    .requiredOption(
      '--dataset-uri <uri>',
      'the export file or dataset folder: a path, or a file://, s3://bucket/key or pvc://claim/path URI',
    )
    .option('--url <url>', 'the webhook server', 'http://127.0.0.1:12000')
    .option(
      '--dataset-hash <sha256>',
      'the content hash, when known: the same data then never starts a second run',
    )
    .option('--idempotency-key <key>', 'the same key again returns the same event')
    .option('--json', 'machine-readable output')
    .action(
      async (
        flags: {
          datasetUri: string;
          url: string;
          datasetHash?: string;
          idempotencyKey?: string;
          json?: boolean;
        },
        cmd: Command,
      ) => {
        const { resolve } = await import('node:path');
        const { createApp } = await import('../../app/index.js');
        const { loadOrCreateWebhookSecret, signedWebhookHeaders } = await import('../../triggers/index.js');
        const app = createApp(await appConfigOf(cmd));
        const secret =
          app.config.webhookSecret ??
          (await loadOrCreateWebhookSecret(`${app.workspace.root}/webhook-secret`)).secret;
        // A relative path means the sender's folder, not the server's: send it absolute.
        const uri = /^[a-z]+:/i.test(flags.datasetUri) ? flags.datasetUri : resolve(flags.datasetUri);
        const body = JSON.stringify({
          dataset_uri: uri,
          ...(flags.datasetHash ? { dataset_hash: flags.datasetHash } : {}),
        });
        const headers: Record<string, string> = signedWebhookHeaders(secret, body, app.clock.now());
        if (flags.idempotencyKey) headers['idempotency-key'] = flags.idempotencyKey;
        const url = `${flags.url.replace(/\/$/, '')}/recommender-dataset-ready`;
        let res: Response;
        try {
          res = await fetch(url, { method: 'POST', headers, body });
        } catch (e) {
          throw new CliError(
            'CLI_UNREACHABLE',
            `${url}: ${(e as Error).message}; is \`bookml up\` running?`,
            {
              field: 'url',
            },
          );
        }
        const answer = (await res.json().catch(() => ({}))) as {
          event_id?: string;
          code?: string;
          message?: string;
        };
        if (res.status !== 202) {
          throw new CliError(
            'CLI_REFUSED',
            `${url} answered ${res.status}: ${answer.code ?? ''} ${answer.message ?? ''}`.trim(),
            {
              field: 'url',
            },
          );
        }
        emit(
          { event_id: answer.event_id, dataset_uri: uri },
          flags.json,
          (a) => `accepted as event ${a.event_id}: ${a.dataset_uri}`,
        );
      },
    );
}
