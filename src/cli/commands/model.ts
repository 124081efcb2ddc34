import type { Command } from 'commander';
import type {
  Actor,
  AliasEvent,
  GateEvaluation,
  GateEvidence,
  LineageView,
  ModelRecord,
  PromotionOutcome,
  Registry,
  RegistryEvent,
  VersionComparison,
  VersionRecord,
} from '../../registry/index.js';
import { appConfigOf, intOption } from '../context.js';
import { localActor } from '../local-identity.js';
import { emit, table } from '../output.js';
import { registerModelMerge } from './train-shards.js';

/**
 * `bookml model list|get|versions|compare|promote|approve|rollback|lineage|audit|policy`: the model
 * registry on the workspace's metadata database, every command with `--json`. The CLI acts as the
 * OS user, recorded as `local:<user>` (`--as` may only name that user), holding the roles in
 * BOOKML_ROLES (default: approver, the workspace owner); the control-plane API (`bookml api`) is where
 * tokens give other identities and enforce roles. promote and approve measure the gate evidence
 * themselves (latency benchmark, production re-evaluated on the candidate's split).
 */
export function registerModelCommands(program: Command): void {
  const model = program
    .command('model')
    .description('the model registry: versions, aliases, gates, approvals, lineage, audit');
  registerModelMerge(model);

  model
    .command('list')
    .description('registered models with their aliases')
    .option('--json', 'machine-readable output')
    .action(async (flags: Json, cmd: Command) =>
      withRegistry(cmd, async (r) => emit(await r.listModels(), flags.json, renderModels)),
    );

  model
    .command('get <model>')
    .description('one model: aliases, policy (gates, approval rules, auto-approve)')
    .option('--json', 'machine-readable output')
    .action(async (name: string, flags: Json, cmd: Command) =>
      withRegistry(cmd, async (r) => emit(await r.getModel(name), flags.json, renderModel)),
    );

  model
    .command('versions <model>')
    .description('versions, newest first, with aliases, headline metric and gate results')
    .option('--limit <n>', 'at most this many', intOption('--limit'), 20)
    .option('--json', 'machine-readable output')
    .action(async (name: string, flags: Json & { limit: number }, cmd: Command) =>
      withRegistry(cmd, async (r) => {
        const m = await r.getModel(name);
        emit(await r.listVersions(name, { limit: flags.limit }), flags.json, (vs) =>
          renderVersions(vs, m.policy.metric),
        );
      }),
    );

  model
    .command('compare <model> <refs...>')
    .description('versions side by side: metrics, parameters, dataset, code (e.g. compare recommender 7 9)')
    .option('--json', 'machine-readable output')
    .action(async (name: string, refs: string[], flags: Json, cmd: Command) =>
      withRegistry(cmd, async (r) => {
        const { compareVersions } = await import('../../registry/index.js');
        emit(await compareVersions(r, name, refs), flags.json, renderComparison);
      }),
    );

  model
    .command('promote <model>')
    .description('move an alias to a version through its gates (production waits for an approval)')
    .requiredOption('--version <n>', 'the version to promote', intOption('--version'))
    .option('--alias <name>', 'the alias to move', 'staging')
    .option('--reason <text>', 'why (kept in the audit trail)')
    .option('--run <id>', 'the pipeline run promoting (keys idempotency with the version)')
    .option('--as <id>', 'must be you (the OS user): the CLI records local:<OS user>')
    .option('--json', 'machine-readable output')
    .action(
      async (
        name: string,
        flags: Json & { version: number; alias: string; reason?: string; run?: string },
        cmd: Command,
      ) =>
        withRegistry(cmd, async (r, evidence) => {
          const out = await r.promote(name, flags.version, flags.alias, {
            actor: actorOf(flags),
            reason: flags.reason,
            runId: flags.run,
            evidence: evidence(),
          });
          emit(out, flags.json, renderOutcome);
        }),
    );

  model
    .command('approve <model>')
    .description('approve a version for production (or --alias) and move it; needs the approver role')
    .requiredOption('--version <n>', 'the version to approve', intOption('--version'))
    .requiredOption('--reason <text>', 'why this version may serve (recorded with your identity)')
    .option('--alias <name>', 'the alias to move', 'production')
    .option('--as <id>', 'must be you (the OS user): approvals are recorded as local:<OS user>')
    .option('--json', 'machine-readable output')
    .action(
      async (name: string, flags: Json & { version: number; alias: string; reason: string }, cmd: Command) =>
        withRegistry(cmd, async (r, evidence) => {
          // Re-measured here when production moved since the candidate's gates ran.
          const out = await r.approve(name, flags.version, {
            actor: actorOf(flags),
            reason: flags.reason,
            alias: flags.alias,
            evidence: evidence(),
          });
          emit(out, flags.json, renderOutcome);
        }),
    );

  model
    .command('rollback <model>')
    .description('move production (or --alias) back to the version it served before')
    .option('--alias <name>', 'the alias to roll back', 'production')
    .option('--reason <text>', 'why (kept in the audit trail)')
    .option('--as <id>', 'must be you (the OS user): the CLI records local:<OS user>')
    .option('--json', 'machine-readable output')
    .action(async (name: string, flags: Json & { alias: string; reason?: string }, cmd: Command) =>
      withRegistry(cmd, async (r) => {
        const e = await r.rollback(name, { actor: actorOf(flags), alias: flags.alias, reason: flags.reason });
        emit(
          e,
          flags.json,
          (x) =>
            `${x.model} ${x.alias}: v${x.fromVersion} → v${x.toVersion} (rolled back by ${x.actor}${x.reason ? `: ${x.reason}` : ''})`,
        );
      }),
    );

  model
    .command('lineage <ref>')
    .description(
      'what made a version: dataset, code, params, run, gates, approval (recommender@production, recommender/7)',
    )
    .option('--json', 'machine-readable output')
    .action(async (ref: string, flags: Json, cmd: Command) =>
      withRegistry(cmd, async (r) => {
        const { lineageOf, parseModelRef } = await import('../../registry/index.js');
        const p = parseModelRef(ref);
        emit(await lineageOf(r, p.model, p.version ?? p.alias ?? 'production'), flags.json, renderLineage);
      }),
    );

  model
    .command('audit [model]')
    .description(
      'the audit trail of alias moves, newest first (--changes: every other registry change: create, rename, delete, tags, policy, stage)',
    )
    .option('--alias <name>', 'only this alias')
    .option('--changes', 'the other registry changes instead of alias moves')
    .option('--limit <n>', 'at most this many', intOption('--limit'), 50)
    .option('--json', 'machine-readable output')
    .action(
      async (
        name: string | undefined,
        flags: Json & { alias?: string; changes?: boolean; limit: number },
        cmd: Command,
      ) =>
        withRegistry(cmd, async (r) =>
          flags.changes
            ? emit(await r.changes({ model: name, limit: flags.limit }), flags.json, renderChanges)
            : emit(
                await r.audit({ model: name, alias: flags.alias, limit: flags.limit }),
                flags.json,
                renderAudit,
              ),
        ),
    );

  model
    .command('policy <model>')
    .description("show or change a model's gates and alias rules (needs the approver role)")
    .option(
      '--set <json>',
      'a partial policy, e.g. \'{"gates":{"latency":{"p99BudgetMs":5}}}\' (null turns a gate off)',
    )
    .option('--auto-approve <on|off>', 'the local-demo setting: production approvals granted automatically')
    .option('--as <id>', 'must be you (the OS user): the CLI records local:<OS user>')
    .option('--json', 'machine-readable output')
    .action(async (name: string, flags: Json & { set?: string; autoApprove?: string }, cmd: Command) =>
      withRegistry(cmd, async (r) => {
        const { RegistryError } = await import('../../registry/index.js');
        let patch: Record<string, unknown> = {};
        if (flags.set !== undefined) {
          try {
            patch = JSON.parse(flags.set) as Record<string, unknown>;
          } catch {
            throw new RegistryError('REGISTRY_POLICY_INVALID', '--set must be a JSON object', {
              field: 'set',
            });
          }
        }
        if (flags.autoApprove !== undefined) {
          if (flags.autoApprove !== 'on' && flags.autoApprove !== 'off') {
            throw new RegistryError('REGISTRY_POLICY_INVALID', '--auto-approve must be on or off', {
              field: 'auto-approve',
            });
          }
          patch.autoApprove = flags.autoApprove === 'on';
        }
        const exists = await r.getModel(name).catch(() => undefined);
        if (!exists) await r.createModel({ name, actor: actorOf(flags).id });
        const policy =
          Object.keys(patch).length > 0
            ? await r.setPolicy(name, patch, actorOf(flags))
            : (await r.getModel(name)).policy;
        emit(policy, flags.json, (p) => renderPolicy(name, p));
      }),
    );
}

interface Json {
  json?: boolean;
  as?: string;
}

/**
 * Runs `fn` on the workspace's registry, with the gate evidence bookml measures locally (a latency
 * benchmark of the candidate's bundle, production re-evaluated on its split), built on first use.
 */
async function withRegistry(
  cmd: Command,
  fn: (r: Registry, evidence: () => GateEvidence) => Promise<void>,
): Promise<void> {
  const { createApp, localGateEvidence } = await import('../../app/index.js');
  const app = createApp(await appConfigOf(cmd));
  try {
    await fn(await app.stores.registry(), () => localGateEvidence(app.stores));
  } finally {
    await app.close();
  }
}

function actorOf(flags: { as?: string }): Actor {
  return localActor(flags, process.env);
}

function when(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function num(v: unknown): string {
  return typeof v === 'number'
    ? Number.isInteger(v)
      ? String(v)
      : v.toFixed(4)
    : v === null || v === undefined
      ? '-'
      : String(v);
}

function renderModels(ms: ModelRecord[]): string {
  if (ms.length === 0)
    return 'no registered models yet (a pipeline run registers one: bookml run submit recommender)';
  return table(
    ['model', 'versions', 'aliases', 'production approval'],
    ms.map((m) => [
      m.name,
      m.latestVersion,
      Object.entries(m.aliases)
        .map(([a, v]) => `${a}=v${v}`)
        .join(' ') || '-',
      m.policy.autoApprove
        ? 'AUTO-APPROVE (local demo)'
        : m.policy.aliases.production?.approval
          ? 'approver required'
          : 'none',
    ]),
  );
}

function renderModel(m: ModelRecord): string {
  return [
    `${m.name}${m.description ? ` — ${m.description}` : ''}`,
    `versions   ${m.latestVersion}`,
    `aliases    ${
      Object.entries(m.aliases)
        .map(([a, v]) => `${a}=v${v}`)
        .join(' ') || '-'
    }`,
    `tags       ${
      Object.entries(m.tags)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ') || '-'
    }`,
    '',
    renderPolicy(m.name, m.policy),
  ].join('\n');
}

function renderPolicy(name: string, p: ModelRecord['policy']): string {
  const gates = Object.entries(p.gates).map(
    ([g, cfg]) => `  ${g.padEnd(17)} ${cfg === null ? 'off' : JSON.stringify(cfg)}`,
  );
  const rules = Object.entries(p.aliases).map(
    ([a, r]) =>
      `  ${a.padEnd(17)} gates ${r.gates === 'all' ? 'all' : r.gates.join(',') || 'none'}; ${r.approval ? 'approver required' : 'no approval'}${r.approverNotAuthor ? '; approver ≠ run author' : ''}`,
  );
  return [
    `policy of ${name} (metric ${p.metric})${p.autoApprove ? '  ** AUTO-APPROVE ON: approvals are granted automatically (local demo setting) **' : ''}`,
    'gates:',
    ...gates,
    'aliases:',
    ...rules,
    `  ${'(others)'.padEnd(17)} gates ${p.otherAliases.gates === 'all' ? 'all' : p.otherAliases.gates.join(',') || 'none'}; ${p.otherAliases.approval ? 'approver required' : 'no approval'}`,
  ].join('\n');
}

function gateSummary(v: VersionRecord): string {
  return (
    Object.values(v.gates)
      .map((g) => `${g.alias}:${g.passed ? 'pass' : 'FAIL'}`)
      .join(' ') || '-'
  );
}

function renderVersions(vs: VersionRecord[], metric: string): string {
  if (vs.length === 0) return 'no versions';
  return table(
    ['version', 'aliases', metric, 'gates', 'registered', 'run'],
    vs.map((v) => [
      v.version,
      v.aliases.join(',') || '-',
      num(v.metrics[metric]),
      gateSummary(v),
      when(v.createdAt),
      v.sourceRun ?? v.trackingRun ?? '-',
    ]),
  );
}

function renderComparison(c: VersionComparison): string {
  const head = ['', ...c.versions.map((v) => `v${v}`)];
  const section = (title: string, rows: VersionComparison['metrics']) =>
    rows.length === 0
      ? []
      : [
          `${title}:`,
          table(
            head,
            rows.map((r) => [`${r.differs ? '*' : ' '} ${r.key}`, ...r.values.map(num)]),
          ),
          '',
        ];
  return [
    `${c.model}: ${c.versions.map((v) => `v${v}`).join(' vs ')}  (* = differs)`,
    '',
    ...section('metrics', c.metrics),
    ...section('params', c.params),
    ...section('dataset', c.dataset),
    ...section('code', c.code),
  ]
    .join('\n')
    .trimEnd();
}

function renderGates(g: GateEvaluation, indent = '  '): string[] {
  return [
    `${g.alias}: ${g.passed ? 'PASS' : 'FAIL'} (${when(g.evaluatedAt)} by ${g.evaluatedBy}${g.productionVersion === null ? '' : `, vs production v${g.productionVersion}`})`,
    ...g.results.map(
      (r) =>
        `${indent}${r.passed ? 'pass' : r.advisory === true ? 'warn' : 'FAIL'}  ${r.gate.padEnd(16)} ${r.detail.replace(/ — (pass|FAIL)$/, '')}`,
    ),
  ];
}

function renderOutcome(o: PromotionOutcome): string {
  const lines: string[] = [];
  const what = `${o.model} ${o.alias}`;
  if (o.status === 'moved') {
    lines.push(`${what}: ${o.fromVersion === null ? 'unset' : `v${o.fromVersion}`} → v${o.version}`);
    if (o.approval) {
      lines.push(
        o.approval.method === 'auto'
          ? 'approval: AUTO-APPROVED by the local demo setting (autoApprove), not by a person'
          : `approval: ${o.approval.decidedBy} at ${when(o.approval.decidedAt)}: "${o.approval.reason}"`,
      );
    }
  } else if (o.status === 'pending-approval') {
    lines.push(`${what}: gates passed; v${o.version} waits for an approver (request #${o.approval?.id})`);
    lines.push(`  approve with: bookml model approve ${o.model} --version ${o.version} --reason "…"`);
  } else if (o.status === 'unchanged') {
    lines.push(`${what}: already at v${o.version}, nothing to do`);
  } else {
    lines.push(`${what}: already promoted to v${o.version} by this run (audit #${o.event?.id})`);
  }
  if (o.gates) lines.push('gates:', ...renderGates(o.gates, '    ').map((l) => `  ${l}`));
  return lines.join('\n');
}

/** The online features of a version: `customer_history@d1-… in redis (100000 customers)`. */
function onlineLine(o: Record<string, unknown> | null): string {
  if (o === null) return 'no online features materialised';
  return `${o.view}@${o.version} in ${o.store} (${o.customers} customers, ${o.entries} entries)`;
}

function renderLineage(l: LineageView): string {
  const v = l.dataset?.validation;
  const code = l.codeVersion as {
    version?: string;
    gitSha?: string | null;
    image?: string;
    imageDigest?: string | null;
  } | null;
  const params = Object.entries(l.params).map(
    ([k, x]) => `${k}=${typeof x === 'object' ? JSON.stringify(x) : String(x)}`,
  );
  const metrics = Object.entries(l.metrics)
    .filter(([k]) => !/_low$|_high$|_vs_/.test(k))
    .slice(0, 8)
    .map(([k, x]) => `${k}=${num(x)}`);
  const a = l.approval;
  return [
    `${l.model} v${l.version}${l.aliases.length ? `  [${l.aliases.join(', ')}]` : ''}`,
    `artifact  ${l.artifact.uri}${l.artifact.hash ? `  sha256:${l.artifact.hash.slice(0, 16)}…` : ''}`,
    `dataset   ${l.dataset ? `${l.dataset.uri}  hash ${l.dataset.hash.slice(0, 16)}…` : 'not recorded'}`,
    `          validation: ${v ? `${v.pass ? 'pass' : 'FAIL'} (${v.checks} checks${v.failed.length ? `; failed: ${v.failed.join(', ')}` : ''})` : 'no report'}`,
    `code      ${code ? `bookml ${code.version ?? '?'}  git ${code.gitSha ?? 'unknown'}` : 'not recorded'}`,
    ...(code?.image ? [`image     ${code.image}  digest ${code.imageDigest ?? 'not pinned'}`] : []),
    `features  ${onlineLine(l.online)}`,
    `params    ${params.join(' ') || '-'}`,
    `metrics   ${metrics.join(' ') || '-'}`,
    `fairness  ${renderFairness(l.fairness)}`,
    `run       ${l.run ? `${l.run.id} (node ${l.run.node ?? '-'}, ${l.run.pipeline ?? '?'}, ${l.run.phase ?? '?'}) submitted by ${l.run.submittedBy ?? '?'} at ${when(l.run.createdAt)}` : l.trackingRun ? `tracking run ${l.trackingRun}` : 'not recorded'}`,
    'gates',
    ...(l.gates.length
      ? l.gates.flatMap((g) => renderGates(g, '    ').map((x) => `  ${x}`))
      : ['  none evaluated']),
    `approved  ${a ? (a.method === 'auto' ? `AUTO-APPROVED (local demo setting) for ${a.alias} at ${when(a.decidedAt)}` : `by ${a.decidedBy} at ${when(a.decidedAt)} for ${a.alias}: "${a.reason ?? ''}"`) : 'no approval recorded'}`,
  ].join('\n');
}

/** `long-tail 0.2950 (books outside …)  Gini book 0.7050  author 0.7350  genre not applicable: …`. */
function renderFairness(f: LineageView['fairness']): string {
  if (f === null) return 'exposure not measured';
  const group = (value: number | null, why: string | undefined) =>
    value !== null ? num(value) : `not applicable (${why ?? 'not recorded'})`;
  return [
    `long-tail exposure ${num(f.longTailExposure)}${f.longTail ? ` (${f.longTail})` : ''}`,
    `Gini by book ${f.giniBook === null ? '-' : num(f.giniBook)}`,
    `by author ${group(f.giniAuthor, f.notApplicable.author)}`,
    `by genre ${group(f.giniGenre, f.notApplicable.genre)}`,
  ].join('; ');
}

function renderChanges(cs: RegistryEvent[]): string {
  if (cs.length === 0) return 'no registry changes recorded';
  return table(
    ['when', 'model', 'version', 'change', 'by', 'reason', 'detail'],
    cs.map((c) => [
      when(c.at),
      c.model,
      c.version === null ? '-' : `v${c.version}`,
      c.action,
      c.actor,
      c.reason ?? '',
      c.detail === null ? '' : JSON.stringify(c.detail).slice(0, 80),
    ]),
  );
}

function renderAudit(es: AliasEvent[]): string {
  if (es.length === 0) return 'no alias moves recorded';
  return table(
    ['when', 'model', 'alias', 'move', 'by', 'gates', 'reason'],
    es.map((e) => [
      when(e.at),
      e.model,
      e.alias,
      `${e.action} ${e.fromVersion === null ? '-' : `v${e.fromVersion}`} → ${e.toVersion === null ? '-' : `v${e.toVersion}`}`,
      e.actor,
      e.gates ? (e.gates.passed ? 'pass' : 'FAIL') : '-',
      e.reason ?? '',
    ]),
  );
}
