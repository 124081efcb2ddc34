import type { Command } from 'commander';
import { appConfigOf, intOption } from '../context.js';
import { localActor } from '../local-identity.js';

interface UpFlags {
  host?: string;
  port?: number;
  apiPort?: number;
  webhookPort?: number;
  monitorIntervalMs?: number;
  monitorWindow?: number;
  monitorCooldownMs?: number;
  approver?: string;
  json?: boolean;
}

/**
 * `bookml up`: the loop on one machine, in one process — the executor, the control-plane API and serving,
 * hosted by the composition root with one signal handler. When the registry has no
 * `recommender@production`, the hosted executor runs the recommender pipeline (which generates the
 * synthetic Bookstore in an empty workspace) and the version it staged is approved for production as a
 * local-demo approval, recorded with the approver's identity and that reason. Then it serves production
 * and follows it as it moves. Ctrl-C stops everything in reverse order; in-flight runs stay resumable.
 */
export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .description(
      'the local loop in one process: executor, control-plane API and serving; runs the pipeline and approves it for production (local demo) when nothing serves yet',
    )
    .option('--host <addr>', 'address to serve on (default 127.0.0.1)')
    .option('--port <n>', 'port to serve on, 0 for any free one (default 8080)', intOption('--port'))
    .option(
      '--api-port <n>',
      'port of the control-plane API, 0 for any free one (default 8470)',
      intOption('--api-port'),
    )
    .option(
      '--webhook-port <n>',
      'port of the signed webhook, 0 for any free one (default 12000)',
      intOption('--webhook-port'),
    )
    .option(
      '--monitor-interval-ms <ms>',
      'how often the drift monitor reads new traffic (default 30000)',
      intOption('--monitor-interval-ms'),
    )
    .option(
      '--monitor-window <n>',
      'answers in the drift reference and test windows (default 5000)',
      intOption('--monitor-window'),
    )
    .option(
      '--monitor-cooldown-ms <ms>',
      'after a drift event, drift is only recorded for this long (default 3600000)',
      intOption('--monitor-cooldown-ms'),
    )
    .option(
      '--approver <id>',
      'must be you (the OS user): the first production approval is recorded as local:<OS user>',
    )
    .option('--json', 'print the ready line as JSON')
    .action(async (flags: UpFlags, cmd: Command) => {
      const { loadApiConfig } = await import('../../api/index.js');
      const serve = await import('../../serve/index.js');
      const {
        apiComponent,
        createApp,
        ensureProduction,
        executorComponent,
        Host,
        loopMetrics,
        monitorComponent,
        schedulerComponent,
        sensorsComponent,
        serveComponent,
        webhookComponent,
      } = await import('../../app/index.js');
      const config = await appConfigOf(cmd);
      // Recorded like every local registry action: the OS user, never a name a flag or env var claims.
      const approver = localActor({ as: flags.approver }, process.env).id;
      const app = createApp(config);
      const say = (line: string) => process.stderr.write(`${line}\n`);
      const serveInput: Record<string, unknown> = { ...serve.serveConfigFromEnv(process.env) };
      if (flags.host !== undefined) serveInput.host = flags.host;
      if (flags.port !== undefined) serveInput.port = flags.port;
      const serveConfig = serve.parseServeConfig(serveInput);
      const apiConfig = loadApiConfig({ flags: { port: flags.apiPort } });

      const executor = executorComponent(app, {
        env: process.env,
        log: (line) => say(`${new Date(app.clock.now()).toISOString()} ${line}`),
      });
      const host = new Host([executor], { log: say });
      host.handleSignals();
      try {
        await host.start();
        await ensureProduction(app, executor, { approver, log: say });
        const loop = await loopMetrics();
        // Serving starts after the API (it follows the production alias the API can move), so the API
        // reads the server's own counters through this late-bound source: null until it listens.
        let served: ReturnType<typeof serveComponent> | null = null;
        const api = apiComponent(app, {
          config: apiConfig,
          logLevel: 'warn',
          extraMetrics: loop.registry,
          serving: {
            description: 'in-process (bookml up)',
            text: async () => (await served?.server?.metrics.render()) ?? null,
          },
        });
        await host.add(api);
        // The loop's second half: runs start from a schedule, a signed webhook, or drift.
        const wake = () => executor.engine?.wake();
        const triggerLog = (line: string) => say(`${new Date(app.clock.now()).toISOString()} ${line}`);
        const scheduler = schedulerComponent(app, { wake, log: triggerLog, onDecision: loop.onDecision });
        await host.add(scheduler);
        if (scheduler.scheduler) loop.watchScheduler(scheduler.scheduler);
        await host.add(sensorsComponent(app, { wake, log: triggerLog, onDecision: loop.onDecision }));
        const webhook = webhookComponent(app, { port: flags.webhookPort ?? 12000 });
        await host.add(webhook);
        served = serveComponent(app, { config: serveConfig, model: 'production' });
        await host.add(served);
        await host.add(
          monitorComponent(app, {
            log: triggerLog,
            metrics: loop.monitor,
            ...(flags.monitorIntervalMs === undefined ? {} : { intervalMs: flags.monitorIntervalMs }),
            ...(flags.monitorWindow === undefined ? {} : { window: flags.monitorWindow }),
            ...(flags.monitorCooldownMs === undefined ? {} : { cooldownMs: flags.monitorCooldownMs }),
          }),
        );
        // Up and serving: from here on, a signal's ordered shutdown ends the process.
        void host.stopped.then(async () => {
          await app.close();
          process.exit();
        });
        const info = served.info;
        if (info === null || api.info === null || webhook.info === null || webhook.secret === null) return;
        const { signedWebhookHeaders } = await import('../../triggers/index.js');
        const hook = {
          ...webhook.info,
          curl: signedCurl(signedWebhookHeaders, webhook.info.url, webhook.secret, app.clock.now()),
        };
        if (flags.json) {
          process.stdout.write(`${JSON.stringify({ serve: info, api: api.info, webhook: hook })}\n`);
          return;
        }
        process.stdout.write(
          `serving recommender@production on ${info.url}\n` +
            `control plane on ${api.info.url} (OpenAPI ${api.info.url}${api.info.docs})\n` +
            `dashboard: ${api.info.url}${api.info.ui}\n` +
            `webhook on ${hook.url} — secret ${hook.secretPath ?? 'from BOOKML_WEBHOOK_SECRET'}; signed example:\n  ${hook.curl}\n` +
            `scheduler: recommender-nightly at 02:00 UTC (bookml schedule list); sensors: dataset-ready, drift-retrain (bookml events list); drift monitor on production traffic (bookml drift status)\n` +
            `executor: ${executor.engine ? `generation ${executor.engine.generation} in this process` : 'another process serves this workspace'}\n` +
            `ready: ${info.curl}\n`,
        );
      } catch (e) {
        await host.stop();
        await app.close();
        throw e;
      }
    });
}

/**
 * A ready-to-paste signed webhook request. The signature proves the secret without showing it; it is
 * valid for 5 minutes (the replay window), so `up` prints a fresh one on every start.
 */
function signedCurl(
  signed: (secret: string, body: string, nowMs: number) => Record<string, string>,
  url: string,
  secret: string,
  nowMs: number,
): string {
  const body = JSON.stringify({ dataset_uri: 'file:///path/to/export.csv' });
  const headers = Object.entries(signed(secret, body, nowMs))
    .map(([k, v]) => `-H '${k}: ${v}'`)
    .join(' ');
  return `curl -s ${url}/recommender-dataset-ready ${headers} -d '${body}'`;
}
