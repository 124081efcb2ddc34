import type { Command } from 'commander';
import { intOption, workspaceOf } from '../context.js';

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
      const { buildControlPlane, loadApiConfig } = await import('../../api/index.js');
      const { openMetadataDb } = await import('../../store/index.js');
      const config = loadApiConfig({
        flags: { host: flags.host, port: flags.port, tokensFile: flags.tokensFile },
      });
      const { RunStore } = await import('../../store/index.js');
      const { readRunLogs } = await import('../../pipeline/executor/index.js');
      const ws = workspaceOf(cmd);
      const db = await openMetadataDb({ workspace: ws });
      // Node logs are files the local executor writes in the workspace; served as they are.
      const runLogs = {
        read: async (runId: string, nodeId?: string) => {
          const run = await new RunStore(db).getRun(runId);
          if (run === undefined) return undefined;
          return (await readRunLogs(ws, run, nodeId)).map((l) => `${l.node}\t${l.line}`);
        },
      };
      const app = await buildControlPlane({
        db,
        config,
        runLogs,
        logger: { level: process.env.BOOKML_LOG_LEVEL ?? 'info', redact: ['req.headers.authorization'] },
      });
      let closing = false;
      const stop = async () => {
        if (closing) return;
        closing = true;
        await app.close();
        await db.close();
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
      try {
        await app.listen({ host: config.host, port: config.port });
      } catch (e) {
        await stop();
        throw e;
      }
      const address = app.server.address();
      const port = typeof address === 'object' && address !== null ? address.port : config.port;
      const info = {
        url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
        docs: '/api/docs',
        mlflow: '/api/2.0/mlflow',
        auth:
          config.tokens.length > 0
            ? `${config.tokens.length} token(s)`
            : 'none — loopback only, every caller acts as "local" (approver)',
        database: db.location,
      };
      process.stdout.write(
        flags.json
          ? `${JSON.stringify(info)}\n`
          : `control plane on ${info.url}  (OpenAPI ${info.url}${info.docs}, MLflow ${info.url}${info.mlflow})\nauth: ${info.auth}\nmetadata: ${info.database}\n`,
      );
    });
}
