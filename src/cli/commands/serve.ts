import type { Command } from 'commander';
import { BookmlError } from '../../core/index.js';
import { appConfigOf, hostInForeground, intOption, numberOption } from '../context.js';
import { CliError } from '../errors.js';

interface ServeFlags {
  model?: string;
  host?: string;
  port?: number;
  canary?: string;
  canaryPercent?: number;
  shadow?: string;
  defaultK?: number;
  sampleRate?: number;
  logMaxPerSecond?: number;
  pollMs?: number;
  predictionLog: boolean;
  logLevel?: string;
  workers?: number;
  json?: boolean;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'serve recommendations over HTTP: /recommend, KServe V1 and V2, /metrics; hot-reloads when the model moves',
    )
    .option(
      '--model <dir|latest|alias>',
      "what answers: a registry alias (staging, production, recommender@production), a bundle folder, or 'latest' (the workspace's latest model); default: production when the registry has one, else latest",
    )
    .option('--host <addr>', 'address to bind (default 127.0.0.1, or BOOKML_SERVE_HOST)')
    .option(
      '--port <n>',
      'TCP port, 0 for any free one (default 8080, or BOOKML_SERVE_PORT)',
      intOption('--port'),
    )
    .option('--canary <dir|latest|alias>', 'a second model that answers --canary-percent of the traffic')
    .option(
      '--canary-percent <n>',
      'whole percent of traffic for the canary, sticky per customer',
      intOption('--canary-percent'),
    )
    .option(
      '--shadow <dir|latest|alias>',
      'a model that recomputes requests for comparison and never answers',
    )
    .option('--default-k <n>', 'k when a request names none (default 5)', intOption('--default-k'))
    .option(
      '--sample-rate <r>',
      'share of answers written to the prediction log, 0–1 (default 1)',
      numberOption('--sample-rate'),
    )
    .option(
      '--log-max-per-second <n>',
      'most prediction-log records per second per process; past it a spread-out share is kept (default 500; 0 = no limit)',
      intOption('--log-max-per-second'),
    )
    .option(
      '--poll-ms <ms>',
      'how often model sources are re-checked (default 2000; 0 = never)',
      intOption('--poll-ms'),
    )
    .option('--no-prediction-log', 'do not write <workspace>/predictions/*.jsonl')
    .option('--log-level <level>', 'fatal | error | warn | info | debug (default warn)')
    .option(
      '--workers <n>',
      'server processes sharing the port (Node cluster), each with its own copy of the model (default 1)',
      intOption('--workers'),
    )
    .option('--json', 'print the ready line as JSON')
    .action(async (flags: ServeFlags, cmd: Command) => {
      const { pino } = await import('pino');
      const serve = await import('../../serve/index.js');
      const { createApp, openPredictionSink, serveComponent } = await import('../../app/index.js');
      const fromFlags: Record<string, unknown> = {
        host: flags.host,
        port: flags.port,
        canaryPercent: flags.canaryPercent,
        defaultK: flags.defaultK,
        sampleRate: flags.sampleRate,
        pollIntervalMs: flags.pollMs,
        logLevel: flags.logLevel,
      };
      // Flag > env (BOOKML_SERVE_*) > default; a canary without a share gets 10 %.
      const input = { ...serve.serveConfigFromEnv(process.env) } as Record<string, unknown>;
      for (const [key, v] of Object.entries(fromFlags)) if (v !== undefined) input[key] = v;
      if (flags.canary && input.canaryPercent === undefined) input.canaryPercent = 10;
      if (flags.logMaxPerSecond !== undefined)
        input.predictionLog = {
          ...(input.predictionLog as Record<string, unknown> | undefined),
          maxPerSecond: flags.logMaxPerSecond,
        };
      const config = serve.parseServeConfig(input);
      const app = createApp(await appConfigOf(cmd));
      const log = pino({ level: config.logLevel, base: { svc: 'bookml-serve' } }, pino.destination(2));
      const workers = flags.workers ?? 1;
      if (workers < 1 || workers > 64)
        throw new CliError('CLI_USAGE', '--workers must be 1..64', { field: 'workers' });
      const cluster = (await import('node:cluster')).default;
      if (workers > 1 && cluster.isPrimary) {
        const sink = flags.predictionLog ? await openPredictionSink(app) : undefined;
        const supervisor = serve.superviseWorkers({
          workers,
          fork: () => cluster.fork(),
          sink,
          log: (line) => log.warn(line),
        });
        let stopping = false;
        const stop = () => {
          if (stopping) return;
          stopping = true;
          void supervisor.stop().then(() => process.exit());
        };
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
        let text: string;
        try {
          text = await supervisor.ready;
        } catch (e) {
          await supervisor.stop();
          // A worker's own refusal (a taken port, no model) is reported as the worker raised it.
          if (e instanceof BookmlError) throw e;
          throw new CliError('CLI_REFUSED', (e as Error).message, { field: 'workers' });
        }
        const pids = supervisor.pids();
        if (flags.json) {
          process.stdout.write(`${JSON.stringify({ ...JSON.parse(text), workers: pids })}\n`);
        } else {
          process.stdout.write(`${text}  workers ${pids.length} (pids ${pids.join(', ')})\n`);
        }
        return;
      }
      const worker = cluster.isWorker;
      const print = (text: string) => {
        if (worker) process.send?.({ type: 'bookml:ready', text });
        else process.stdout.write(text);
      };
      const component = serveComponent(app, {
        config,
        model: flags.model,
        canary: flags.canary,
        shadow: flags.shadow,
        predictionLog: flags.predictionLog,
        ...(worker ? { predictionSink: serve.ipcPredictionSink((m) => process.send?.(m)) } : {}),
        log,
      });
      // One graceful shutdown however many signals arrive: drain, flush the prediction log, close the
      // registry; then the process ends.
      try {
        await hostInForeground(app, [component], { log: (line) => log.info(line), exitOnStop: true });
      } catch (e) {
        if (!worker) throw e;
        // The primary reports it, once. The IPC channel would keep the worker alive with nothing
        // to serve, and a disconnect ends a cluster worker with 0: exit, with the error's code,
        // once the message is out.
        const failed = serve.workerFailure(e);
        process.exitCode = failed.exitCode ?? 1;
        process.send?.(failed, () => process.exit());
        return;
      }
      const info = component.info;
      const server = component.server;
      if (info === null || server === null) return;
      // A scrape of any worker reports them all (the primary gathers them).
      if (worker)
        server.metrics.aggregate = serve.workerMetricsBridge(process, () => server.metrics.render());
      if (flags.json) {
        print(
          `${JSON.stringify({ status: info.status, url: info.url, curl: info.curl, models: server.deployment.status() })}\n`,
        );
        return;
      }
      const lines = server.deployment
        .status()
        .map((s) =>
          s.ready
            ? `  ${s.role.padEnd(7)} ${s.version} (${s.books} books) from ${s.source}`
            : `  ${s.role.padEnd(7)} not loaded: ${s.failure?.message ?? 'loading'}`,
        );
      print(
        `${info.status === 'serving' ? 'serving' : 'waiting for a model (run `bookml train`)'} on ${info.url}\n${lines.join('\n')}\n` +
          `  canary ${server.deployment.split.percent}% · prediction log ${info.predictionLog ?? 'off'}\n` +
          `ready: ${info.curl}\n`,
      );
    });
}
