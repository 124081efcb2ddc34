import type { Command } from 'commander';
import { appConfigOf, hostInForeground, intOption } from '../context.js';

interface MonitorFlags {
  host: string;
  port: number;
  window?: number;
  intervalMs?: number;
  cooldownMs?: number;
  json?: boolean;
}

/**
 * `bookml monitor`: the drift monitor alone, as its own process (the cluster form's monitor Deployment;
 * `bookml up` hosts the same component). It reads the prediction log of the workspace, watches the
 * version `recommender@production` points at, publishes `ml.drift` on the event bus, and serves its
 * per-feature statistics on `/metrics` (with `/healthz` for probes).
 */
export function registerMonitorCommand(program: Command): void {
  program
    .command('monitor')
    .description('run the drift monitor alone: watch production traffic, publish ml.drift, serve /metrics')
    .option('--host <addr>', 'address of the metrics server', '127.0.0.1')
    .option('--port <n>', 'port of the metrics server, 0 for any free one', intOption('--port'), 9464)
    .option(
      '--window <n>',
      'answers in each window (reference and test) (default 5000)',
      intOption('--window'),
    )
    .option('--interval-ms <ms>', 'time between passes (default 30000)', intOption('--interval-ms'))
    .option(
      '--cooldown-ms <ms>',
      'after a drift event, drift is only recorded for this long (default 3600000)',
      intOption('--cooldown-ms'),
    )
    .option('--json', 'print the listening address as JSON')
    .action(async (flags: MonitorFlags, cmd: Command) => {
      const { createApp, loopMetrics, metricsServerComponent, monitorComponent } = await import(
        '../../app/index.js'
      );
      const app = createApp(await appConfigOf(cmd));
      const loop = await loopMetrics();
      const say = (line: string) =>
        process.stderr.write(`${new Date(app.clock.now()).toISOString()} ${line}\n`);
      const monitor = monitorComponent(app, {
        log: say,
        metrics: loop.monitor,
        ...(flags.window === undefined ? {} : { window: flags.window }),
        ...(flags.intervalMs === undefined ? {} : { intervalMs: flags.intervalMs }),
        ...(flags.cooldownMs === undefined ? {} : { cooldownMs: flags.cooldownMs }),
      });
      const metrics = metricsServerComponent(loop.registry, { host: flags.host, port: flags.port });
      await hostInForeground(app, [monitor, metrics]);
      const info = { metrics: `${metrics.url}/metrics`, workspace: app.workspace.root };
      process.stdout.write(
        flags.json
          ? `${JSON.stringify(info)}\n`
          : `drift monitor on ${app.workspace.root}; metrics at ${info.metrics}\n`,
      );
    });
}
