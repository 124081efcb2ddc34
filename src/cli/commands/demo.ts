import type { Command } from 'commander';
import type { RunView } from '../../pipeline/executor/index.js';
import { appConfigOf, intOption, numberOption } from '../context.js';
import { CliError } from '../errors.js';
import { emit } from '../output.js';

interface DemoFlags {
  url: string;
  shift: number;
  batch: number;
  maxRequests: number;
  timeoutS: number;
  seed: number;
  json?: boolean;
}

/** What `bookml demo drift` saw happen. */
interface DemoOutcome {
  version: string;
  normalRequests: number;
  shiftedRequests: number;
  drift: { detected_at: string; reason: string } | null;
  retrain: { runId: string; phase: string; trigger: string | null; result: string | null } | null;
  decisions: Array<{ trigger: string; outcome: string; reason: string }>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `bookml demo drift`: against a running `bookml up`, send ordinary traffic until the monitor's reference
 * window is full, then traffic shifted toward the long tail until the drift monitor raises `ml.drift` and
 * the `drift-retrain` sensor starts one retrain — and print what happened, each step with its reason.
 */
export function registerDemoCommands(program: Command): void {
  const demo = program.command('demo').description('guided demonstrations against a running bookml up');
  demo
    .command('drift')
    .description('send shifted traffic until a drift event fires and one retrain runs; print what happened')
    .option('--url <url>', 'the serving endpoint of bookml up', 'http://127.0.0.1:8080')
    .option('--shift <share>', 'share of requests moved to the long tail, 0–1', numberOption('--shift'), 0.9)
    .option('--batch <n>', 'requests between two looks at the monitor', intOption('--batch'), 200)
    .option(
      '--max-requests <n>',
      'give up after this many shifted requests',
      intOption('--max-requests'),
      50_000,
    )
    .option('--timeout-s <s>', 'give up after this long', intOption('--timeout-s'), 300)
    .option('--seed <n>', 'seed of the traffic', intOption('--seed'), 1)
    .option('--json', 'machine-readable output')
    .action(async (flags: DemoFlags, cmd: Command) => {
      const { join } = await import('node:path');
      const { createApp } = await import('../../app/index.js');
      const { readBundle } = await import('../../model/index.js');
      const { readDriftStatus, shiftedTraffic } = await import('../../monitor/index.js');
      const { DecisionLog } = await import('../../triggers/index.js');
      const { runView } = await import('../../pipeline/executor/index.js');
      const app = createApp(await appConfigOf(cmd));
      const say = (line: string) => {
        if (!flags.json) process.stderr.write(`${line}\n`);
      };
      try {
        const registry = await app.stores.registry();
        const production = await registry.resolveAlias('recommender', 'production');
        if (production.artifactHash === null) {
          throw new CliError('CLI_REFUSED', `recommender v${production.version} has no stored bundle`, {
            field: 'model',
          });
        }
        const bundle = readBundle(await (await app.stores.artifacts()).getDir(production.artifactHash), {
          verify: false,
        });
        const monitorDir = join(app.workspace.root, 'monitor');
        const decisions = new DecisionLog(await app.stores.db());
        const before = new Set((await decisions.list({ limit: 1000 })).map((d) => d.id));
        const base = flags.url.replace(/\/$/, '');
        let sent = 0;
        const send = async (ids: Array<number | string>) => {
          for (let i = 0; i < ids.length; i += 20) {
            const chunk = ids.slice(i, i + 20);
            const answers = await Promise.all(
              chunk.map((id) =>
                fetch(`${base}/recommend?book_id=${encodeURIComponent(String(id))}&k=5`).catch((e: Error) => {
                  throw new CliError('CLI_UNREACHABLE', `${base}: ${e.message}; is \`bookml up\` running?`, {
                    field: 'url',
                  });
                }),
              ),
            );
            for (const a of answers) await a.arrayBuffer();
            sent += chunk.length;
          }
        };
        const deadline = Date.now() + flags.timeoutS * 1000;
        const version = String(production.version);
        say(
          `production is recommender v${version}; sending ordinary traffic until the monitor has its reference`,
        );
        let normal = 0;
        for (let round = 0; ; round++) {
          const status = await readDriftStatus(monitorDir);
          if (status?.version === version && status.windows.reference.complete) break;
          if (Date.now() > deadline)
            throw new CliError('CLI_REFUSED', 'the monitor never completed its reference window', {
              field: 'monitor',
            });
          await send(shiftedTraffic(bundle, { shift: 0, n: flags.batch, seed: flags.seed + round }));
          normal += flags.batch;
          await sleep(500);
        }
        say(
          `reference complete after ${normal} requests; now shifting ${Math.round(flags.shift * 100)}% of traffic to the long tail`,
        );
        let shifted = 0;
        let drift: DemoOutcome['drift'] = null;
        // Only an event raised from now on counts (a second demo must not stop at the first one's).
        const seen = new Set(((await readDriftStatus(monitorDir))?.events ?? []).map((e) => e.detected_at));
        while (drift === null) {
          if (Date.now() > deadline || shifted >= flags.maxRequests) break;
          await send(
            shiftedTraffic(bundle, { shift: flags.shift, n: flags.batch, seed: flags.seed + 1000 + shifted }),
          );
          shifted += flags.batch;
          await sleep(500);
          const status = await readDriftStatus(monitorDir);
          const event = status?.events.find((e) => e.version === version && !seen.has(e.detected_at));
          if (event) drift = { detected_at: event.detected_at, reason: event.reason };
        }
        if (drift === null) {
          throw new CliError(
            'CLI_REFUSED',
            `no drift event after ${shifted} shifted requests; see \`bookml drift status\``,
            {
              field: 'monitor',
            },
          );
        }
        say(`drift detected at ${drift.detected_at}: ${drift.reason}`);
        // The sensor decides: a retrain (then wait for it to end), or rate-limited / suppressed with why.
        let retrain: DemoOutcome['retrain'] = null;
        let decided = false;
        const runs = await app.stores.runs();
        while (Date.now() < deadline) {
          // Drift may go on and raise more events than one: a later event is rate-limited while the
          // first one's retrain runs. Follow the decision that started a run; wait while one is being
          // carried out (recorded before its run starts); only then is "no run" the answer.
          const fresh = (await decisions.list({ trigger: 'drift-retrain', limit: 20 })).filter(
            (d) => !before.has(d.id),
          );
          const started = fresh.find((d) => d.runId !== null);
          if (started?.runId) {
            const run = await runs.getRun(started.runId);
            if (run && run.phase !== 'Pending' && run.phase !== 'Running') {
              retrain = {
                runId: run.id,
                phase: run.phase,
                trigger: run.labels['bookml.io/trigger-reason'] ?? null,
                result: retrainResult(runView(run, Date.now())),
              };
              decided = true;
              break;
            }
          } else if (fresh.length > 0 && fresh.every((d) => d.completedAt !== null)) {
            decided = true;
            break;
          }
          await sleep(500);
        }
        const after = (await decisions.list({ limit: 100 })).filter((d) => !before.has(d.id));
        const outcome: DemoOutcome = {
          version,
          normalRequests: normal,
          shiftedRequests: shifted,
          drift,
          retrain,
          decisions: after.map((d) => ({ trigger: d.trigger, outcome: d.outcome, reason: d.reason })),
        };
        emit(outcome, flags.json, (o) =>
          [
            `sent ${o.normalRequests} ordinary and ${o.shiftedRequests} shifted requests (${sent} in all)`,
            `drift:   ${o.drift?.reason ?? 'none'}`,
            `retrain: ${o.retrain ? `${o.retrain.runId} ${o.retrain.phase}${o.retrain.result ? ` — ${o.retrain.result}` : ''}` : decided ? 'none (see the sensor decision below)' : 'no decision before the timeout (see bookml events list)'}`,
            ...o.decisions.map((d) => `  ${d.trigger}: ${d.outcome} — ${d.reason}`),
          ].join('\n'),
        );
        if (!decided) process.exitCode = 1;
      } finally {
        await app.close();
      }
    });
}

/**
 * What a finished retrain did to the registry, in words: a run can succeed and still register nothing
 * (the evaluation gate held it back), which its phase alone does not say.
 */
export function retrainResult(run: RunView): string | null {
  const register = run.nodes.find((n) => n.id === 'register');
  if (register === undefined) return null;
  if (register.phase === 'Skipped')
    return `nothing registered: register skipped, ${register.message ?? 'by its condition'}`;
  const version = register.outputs.params.version;
  if (typeof version !== 'number') return null;
  const promote = run.nodes.find((n) => n.id === 'promote');
  const status = promote?.outputs.params.status;
  // promote's alias is the run's `alias` parameter.
  const on = typeof run.parameters.alias === 'string' ? run.parameters.alias : 'its alias';
  // Registering is idempotent per bundle: a refit with the same bytes gets its old version back,
  // and promote then finds the alias already on it.
  if (status === 'unchanged')
    return `no new version: the refit is recommender v${version} again, already ${on}`;
  const where =
    status === 'moved' || status === 'already-done'
      ? `, now ${on}`
      : status === 'pending-approval'
        ? `, awaiting approval for ${on}`
        : promote !== undefined && promote.phase !== 'Succeeded'
          ? `; promote ${promote.phase}${promote.message ? `: ${promote.message}` : ''}`
          : '';
  return `registered recommender v${version}${where}`;
}
