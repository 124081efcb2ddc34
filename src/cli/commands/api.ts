import type { Command } from 'commander';
import { appConfigOf, hostInForeground, intOption } from '../context.js';

interface ApiFlags {
  host?: string;
  port?: number;
  tokensFile?: string;
  json?: boolean;
}

/**
 * `bookml api` (alias `serve-api`): starts the control plane — `/api/v1`, the MLflow-compatible
 * `/api/2.0/mlflow`, and the OpenAPI document at `/api/docs` — on the workspace's metadata database.
 * Binds 127.0.0.1 unless told otherwise, and refuses any other address without tokens.
 */
export function registerApiCommand(program: Command): void {
  program
    .command('api')
    .alias('serve-api')
    .description('start the control-plane API (registry, approvals, audit, lineage, runs, MLflow routes)')
    .option(
      '--host <addr>',
      'address to bind; anything but loopback needs tokens (default 127.0.0.1, or BOOKML_API_HOST)',
    )
    .option(
      '--port <n>',
      'TCP port, 0 for any free one (default 8470, or BOOKML_API_PORT)',
      intOption('--port'),
    )
    .option(
      '--tokens-file <path>',
      'YAML/JSON with tokens: [{id, roles: [viewer|operator|approver], token | sha256}] (or BOOKML_API_TOKENS_FILE)',
    )
    .option('--json', 'print the listening address as JSON')
    .action(async (flags: ApiFlags, cmd: Command) => {
      const { loadApiConfig } = await import('../../api/index.js');
      const { apiComponent, createApp } = await import('../../app/index.js');
      const config = loadApiConfig({
        flags: { host: flags.host, port: flags.port, tokensFile: flags.tokensFile },
      });
      const app = createApp(await appConfigOf(cmd));
      const api = apiComponent(app, { config });
      await hostInForeground(app, [api]);
      const info = api.info;
      if (info === null) return;
      process.stdout.write(
        flags.json
          ? `${JSON.stringify(info)}\n`
          : `control plane on ${info.url}  (OpenAPI ${info.url}${info.docs}, MLflow ${info.url}${info.mlflow})\ndashboard: ${info.url}${info.ui}\nauth: ${info.auth}\nmetadata: ${info.database}\n`,
      );
    });
}
