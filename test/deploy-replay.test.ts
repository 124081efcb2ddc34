/**
 * The rendered WorkflowTemplate, run from its YAML alone. A small Argo interpreter reads the DAG — tasks,
 * `depends`, `when`, `withParam`/`withItems`, input and output parameters, artifacts — and runs each
 * task's container `command` + `args` as a local process (`bookml` → `node dist/cli/main.js`) with the
 * environment Argo would give it: the container's `env` (Secrets resolved, the API's cluster URL pointed at a
 * `bookml api` listening here) and a private folder standing in for the pod's `/tmp` emptyDir. Artifacts
 * travel through a folder standing in for the S3 artifact repository. The version it registers must be the
 * one a local run registers: the same bundle hash.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadApiConfig } from '../src/api/index.js';
import {
  type ApiComponent,
  type App,
  apiComponent,
  createApp,
  localStepServices,
  type OpenStores,
  openStores,
  resolveAppConfig,
} from '../src/app/index.js';
import { codeVersion, ManualClock, resolveWorkspace } from '../src/core/index.js';
import { bundleFiles, renderBundle, SECRETS } from '../src/deploy/index.js';
import { getPipeline } from '../src/pipelines/index.js';
import { bookmlBin, hasBuiltBin, runBuilt } from './fixtures/cli.js';
import { runInProcess } from './fixtures/run-in-process.js';

/** The control plane's artifact store: the filesystem one; `'s3://bookml/artifacts'` once S3 is on main. */
const ARTIFACTS: string | undefined = undefined;

const STEP_TOKEN = 'replay-step-token-0123456789';
/** The instant both runs happen at: a bundle records when it was made, so equal bytes need equal times. */
const INSTANT = Date.parse('2026-01-01T00:00:00Z');
/**
 * The one thing a pod does not get from Argo: a clock stopped at {@link INSTANT} (as libfaketime would),
 * so that the steps' `ctx.clock` agrees with the local run's ManualClock.
 */
/** A pinned image reference, as `deploy render --image` would be given in production. */
const DIGEST = `sha256:${'5e'.repeat(32)}`;
const IMAGE = `registry.example.com/bookml@${DIGEST}`;
const FROZEN_CLOCK = { NODE_OPTIONS: `--import=data:text/javascript,Date.now=()=>${INSTANT};` };
const POD_TMP = '/tmp';
const recommender = getPipeline('recommender');

type Obj = Record<string, unknown>;
type Param = {
  name: string;
  value?: string;
  default?: string;
  valueFrom?: { path: string; default?: string };
};
type Artifact = { name: string; path?: string; from?: string };
interface Template {
  name: string;
  dag?: { tasks: DagTask[] };
  inputs?: { parameters?: Param[]; artifacts?: Artifact[] };
  outputs?: { parameters?: Param[]; artifacts?: Artifact[] };
  container?: { command: string[]; args?: string[]; env?: Obj[] };
}
interface DagTask {
  name: string;
  template: string;
  depends?: string;
  when?: string;
  withParam?: string;
  withItems?: unknown[];
  arguments?: { parameters?: Param[]; artifacts?: Artifact[] };
}
type Phase = 'Succeeded' | 'Failed' | 'Skipped' | 'Omitted';
interface NodeResult {
  phase: Phase;
  params: Record<string, string>;
  /** Artifact name → where the repository holds it. */
  artifacts: Record<string, string>;
}

/** What a cluster gives a pod besides its spec: Secret values and the Services' addresses. */
interface Cluster {
  secrets: Record<string, Record<string, string>>;
  /** Cluster URL prefix → local URL (what DNS and a Service would do). */
  services: Record<string, string>;
}

/** Runs one WorkflowTemplate's DAG the way Argo's controller does, with local processes for pods. */
class Replay {
  readonly nodes = new Map<string, NodeResult>();
  /** Every environment variable name a pod was given. */
  readonly envNames = new Set<string>();
  readonly templates: Map<string, Template>;
  #pods = 0;

  constructor(
    readonly wt: { metadata: { name: string }; spec: Obj },
    readonly workflowParams: Record<string, string>,
    readonly root: string,
    readonly cluster: Cluster,
  ) {
    this.templates = new Map((wt.spec.templates as Template[]).map((t) => [t.name, t]));
  }

  /** `{{…}}` tags of Argo's simple template syntax; an unknown tag fails (a compiler bug must not pass). */
  substitute(text: string, scope: { inputs?: Record<string, string>; item?: unknown }): string {
    return text.replace(/\{\{([^=][^}]*)\}\}/g, (_, raw: string) => {
      const tag = raw.trim();
      let m: RegExpExecArray | null;
      if (tag === 'workflow.name') return 'replay-run';
      if ((m = /^workflow\.parameters\.(.+)$/.exec(tag))) return this.must(this.workflowParams[m[1]], tag);
      if ((m = /^inputs\.parameters\.(.+)$/.exec(tag))) return this.must(scope.inputs?.[m[1]], tag);
      if ((m = /^tasks\.([^.]+)\.outputs\.parameters\.(.+)$/.exec(tag)))
        return this.must(this.nodes.get(m[1])?.params[m[2]], tag);
      if (tag === 'item') return typeof scope.item === 'string' ? scope.item : JSON.stringify(scope.item);
      if ((m = /^item\.(.+)$/.exec(tag))) {
        const v = (scope.item as Obj | undefined)?.[m[1]];
        return typeof v === 'string' ? v : JSON.stringify(this.must(v, tag));
      }
      throw new Error(`replay: unknown template tag {{${tag}}}`);
    });
  }

  must<T>(v: T | undefined, tag: string): T {
    if (v === undefined) throw new Error(`replay: {{${tag}}} has no value`);
    return v;
  }

  /** `depends`: `a.Succeeded && b.Succeeded` (and `||`, `!`, parentheses) over the dependencies' phases. */
  dependsHold(expr: string): boolean {
    const js = expr.replace(
      /([a-z0-9-]+)\.(Succeeded|Failed|Skipped|Omitted)/g,
      (_, task: string, phase: string) => String(this.nodes.get(task)?.phase === phase),
    );
    if (!/^[\s()!&|truefals]*$/.test(js)) throw new Error(`replay: cannot read depends "${expr}"`);
    return Function(`return (${js});`)() as boolean;
  }

  /** `when: "{{= expr }}"` in the subset bookml emits: output parameters, workflow parameters, asFloat, comparisons. */
  whenHolds(when: string): boolean {
    const m = /^\{\{=(.*)\}\}$/s.exec(when.trim());
    if (m === null) throw new Error(`replay: when "${when}" is not an expression tag`);
    const js = m[1]
      .replace(/tasks\['([^']+)'\]\.outputs\.parameters\['([^']+)'\]/g, (_, t: string, p: string) =>
        JSON.stringify(this.must(this.nodes.get(t)?.params[p], `tasks.${t}.outputs.parameters.${p}`)),
      )
      .replace(/workflow\.parameters\['([^']+)'\]/g, (_, p: string) =>
        JSON.stringify(this.must(this.workflowParams[p], p)),
      )
      .replace(/\basFloat\(/g, 'Number(');
    if (/[a-zA-Z_$][\w$]*\s*\(/.test(js.replace(/Number\(/g, '')))
      throw new Error(`replay: unexpected call in "${when}"`);
    return Boolean(Function(`return (${js});`)());
  }

  async run(): Promise<void> {
    const entry = this.templates.get(String(this.wt.spec.entrypoint));
    const tasks = entry?.dag?.tasks ?? [];
    const pending = new Set(tasks.map((t) => t.name));
    while (pending.size > 0) {
      const ready = tasks.filter(
        (t) =>
          pending.has(t.name) &&
          [...(t.depends ?? '').matchAll(/([a-z0-9-]+)\.[A-Z]/g)].every((d) => this.nodes.has(d[1])),
      );
      if (ready.length === 0) throw new Error(`replay: no task can start among ${[...pending].join(', ')}`);
      for (const t of ready) {
        pending.delete(t.name);
        this.nodes.set(t.name, await this.runTask(t));
      }
    }
    const onExit = this.wt.spec.onExit as string | undefined;
    if (onExit !== undefined) await this.runPod(this.template(onExit), {}, {}, onExit);
  }

  template(name: string): Template {
    const t = this.templates.get(name);
    if (t?.container === undefined) throw new Error(`replay: template ${name} is not a container template`);
    return t;
  }

  async runTask(t: DagTask): Promise<NodeResult> {
    const none = (phase: Phase): NodeResult => ({ phase, params: {}, artifacts: {} });
    if (t.depends !== undefined && !this.dependsHold(t.depends)) return none('Omitted');
    if (t.when !== undefined && !this.whenHolds(t.when)) return none('Skipped');
    const template = this.template(t.template);
    const fan =
      t.withParam !== undefined ? (JSON.parse(this.substitute(t.withParam, {})) as unknown[]) : t.withItems;
    if (fan === undefined) return this.runWith(template, t, undefined, t.name);
    const children: NodeResult[] = [];
    for (const [i, item] of fan.entries())
      children.push(await this.runWith(template, t, item, `${t.name}(${i})`));
    const failed = children.some((c) => c.phase !== 'Succeeded');
    // Argo aggregates a fan-out's output parameters as a JSON list of the children's values, in item order.
    const params: Record<string, string> = {};
    for (const p of template.outputs?.parameters ?? [])
      params[p.name] = JSON.stringify(children.map((c) => c.params[p.name]));
    return { phase: failed ? 'Failed' : 'Succeeded', params, artifacts: {} };
  }

  async runWith(template: Template, t: DagTask, item: unknown, node: string): Promise<NodeResult> {
    const args: Record<string, string> = {};
    for (const p of t.arguments?.parameters ?? [])
      args[p.name] = this.substitute(this.must(p.value, p.name), { item });
    const inputs: Record<string, string> = {};
    for (const p of template.inputs?.parameters ?? [])
      inputs[p.name] = this.must(args[p.name] ?? p.default, `inputs.${p.name}`);
    const artifacts: Record<string, string> = {};
    for (const a of t.arguments?.artifacts ?? []) {
      const m = /^\{\{tasks\.([^.]+)\.outputs\.artifacts\.([^}]+)\}\}$/.exec(this.must(a.from, a.name));
      if (m === null) throw new Error(`replay: artifact ${a.name} from "${a.from}" is not a task output`);
      artifacts[a.name] = this.must(this.nodes.get(m[1])?.artifacts[m[2]], `${m[1]}.${m[2]}`);
    }
    return this.runPod(template, inputs, artifacts, node);
  }

  /** One pod: its `/tmp` is a fresh folder; input artifacts are downloaded into it, outputs read back. */
  async runPod(
    template: Template,
    inputs: Record<string, string>,
    artifacts: Record<string, string>,
    node: string,
  ): Promise<NodeResult> {
    const pod = join(
      this.root,
      'pods',
      `${String(++this.#pods).padStart(3, '0')}-${node.replace(/[()]/g, '-')}`,
    );
    mkdirSync(pod, { recursive: true });
    const local = (p: string) => (p.startsWith(`${POD_TMP}/`) ? join(pod, p.slice(POD_TMP.length + 1)) : p);
    for (const a of template.inputs?.artifacts ?? []) {
      const from = this.must(artifacts[a.name], `input artifact ${a.name}`);
      cpSync(from, local(this.must(a.path, a.name)), { recursive: true });
    }
    const c = template.container as NonNullable<Template['container']>;
    // A path under the pod's /tmp, alone or as a flag's `name=/tmp/…` value, is a path in the emptyDir.
    const inPod = (x: string) => x.replace(/(^|=)\/tmp(?=\/|$)/, (_, lead: string) => lead + pod);
    const argv = [...c.command, ...(c.args ?? [])].map((x) => inPod(this.substitute(x, { inputs })));
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: pod,
      TMPDIR: pod,
      ...FROZEN_CLOCK,
    };
    for (const e of c.env ?? []) {
      env[String(e.name)] = this.envValue(e);
      this.envNames.add(String(e.name));
    }
    if (argv[0] !== 'bookml') throw new Error(`replay: ${node} runs ${argv[0]}, not bookml`);
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, [bookmlBin, ...argv.slice(1)], {
        env,
        cwd: pod,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d) => {
        stderr += String(d);
      });
      child.on('error', reject);
      child.on('close', (status) => {
        if (status !== 0) process.stderr.write(`replay: ${node} exited ${status}: ${stderr}\n`);
        resolve(status);
      });
    });
    if (code !== 0) return { phase: 'Failed', params: {}, artifacts: {} };
    const params: Record<string, string> = {};
    for (const p of template.outputs?.parameters ?? []) {
      const file = local(this.must(p.valueFrom?.path, p.name));
      params[p.name] = existsSync(file)
        ? readFileSync(file, 'utf8')
        : this.must(p.valueFrom?.default, `${node} output ${p.name}`);
    }
    const saved: Record<string, string> = {};
    for (const a of template.outputs?.artifacts ?? []) {
      // The upload: the artifact repository keeps it under the workflow and pod.
      const key = join(this.root, 'artifact-repository', node, a.name);
      cpSync(local(this.must(a.path, a.name)), key, { recursive: true });
      saved[a.name] = key;
    }
    return { phase: 'Succeeded', params, artifacts: saved };
  }

  envValue(e: Obj): string {
    if (typeof e.value === 'string') {
      let v = e.value;
      for (const [from, to] of Object.entries(this.cluster.services))
        if (v.startsWith(from)) v = to + v.slice(from.length);
      return v;
    }
    const ref = (e.valueFrom as Obj | undefined)?.secretKeyRef as { name: string; key: string } | undefined;
    if (ref === undefined) throw new Error(`replay: env ${String(e.name)} has no value Argo could give`);
    return this.must(this.cluster.secrets[ref.name]?.[ref.key], `secret ${ref.name}/${ref.key}`);
  }
}

/** A pipeline's rendered WorkflowTemplate (Argo `argoVersion`) and its parameters, with k-grid [10,40]. */
async function rendered(spec: Parameters<typeof renderBundle>[0], argoVersion: '3.5' | '4.1') {
  const bundle = renderBundle(spec, { argoVersion, image: IMAGE }, '0.1.0');
  const file = [...(await bundleFiles(bundle)).entries()].find(([name]) =>
    name.startsWith('workflowtemplate-'),
  );
  const wt = parse(file?.[1] ?? '') as { metadata: { name: string }; spec: Obj };
  const params: Record<string, string> = {};
  for (const p of (wt.spec.arguments as { parameters: Param[] }).parameters) params[p.name] = p.value ?? '';
  params['k-grid'] = '[10,40]';
  return { bundle, wt, params };
}

describe.skipIf(!hasBuiltBin)(
  'the rendered WorkflowTemplate replayed from its YAML (needs npm run build)',
  () => {
    let home: string;
    let app: App;
    let api: ApiComponent;
    let stores: OpenStores;

    beforeAll(async () => {
      home = mkdtempSync(join(tmpdir(), 'bookml-replay-'));
      app = createApp(
        resolveAppConfig({
          flags: { home: join(home, 'control-plane') },
          env: ARTIFACTS === undefined ? {} : { BOOKML_ARTIFACTS: ARTIFACTS },
        }),
        { clock: new ManualClock(INSTANT) },
      );
      api = apiComponent(app, {
        config: loadApiConfig({
          env: {},
          flags: { host: '127.0.0.1', port: 0 },
          file: { tokens: [{ id: 'step-pod', roles: ['operator'], token: STEP_TOKEN }] },
        }),
        logLevel: 'silent',
      });
      await api.start();
      stores = openStores({
        workspace: resolveWorkspace(join(home, 'local'), {}),
        clock: new ManualClock(INSTANT),
      });
    });
    afterAll(async () => {
      await api?.stop();
      await app?.close();
      await stores?.close();
      rmSync(home, { recursive: true, force: true });
    });

    /** Renders `spec`, replays its WorkflowTemplate against the API, and expects every node Succeeded. */
    async function replayed(
      spec: Parameters<typeof renderBundle>[0],
      argoVersion: '3.5' | '4.1',
      dir: string,
      extra: Record<string, string> = {},
    ): Promise<Replay> {
      const { bundle, wt, params } = await rendered(spec, argoVersion);
      const replay = new Replay(wt, { ...params, ...extra }, join(home, dir), {
        secrets: { [SECRETS.stepToken.name]: { [SECRETS.stepToken.key]: STEP_TOKEN } },
        services: { [`http://bookml-api.${bundle.options.namespace}.svc:8470`]: api.info?.url ?? '' },
      });
      await replay.run();
      const phases = Object.fromEntries([...replay.nodes].map(([k, v]) => [k, v.phase]));
      expect(
        Object.values(phases).every((p) => p === 'Succeeded'),
        JSON.stringify(phases),
      ).toBe(true);
      return replay;
    }

    it.each(['3.5', '4.1'] as const)(
      'Argo %s: registers the same model (bundle hash) as a local run',
      async (argoVersion) => {
        const replay = await replayed(recommender.spec, argoVersion, `replay-${argoVersion}`);
        // The sweep fanned out over 2 similarities × 2 k, and Argo's aggregation handed pick-best all four.
        expect(JSON.parse(replay.nodes.get('train')?.params['model-id'] ?? '[]')).toHaveLength(4);
        // The remote runtime: the API and a token, never database credentials or a workspace; and the
        // image the pod runs, for lineage.
        expect([...replay.envNames].sort()).toEqual(['BOOKML_API_TOKEN', 'BOOKML_API_URL', 'BOOKML_IMAGE']);
        const version = Number(replay.nodes.get('register')?.params.version);
        const registered = await (await app.stores.registry()).getVersion('recommender', version);

        const localRun = await runInProcess(
          recommender,
          { kGrid: '[10,40]' },
          join(home, `local-nodes-${argoVersion}`),
          `local-${argoVersion}`,
          localStepServices(stores, { codeVersion: codeVersion() }),
        );
        const local = localRun.outputs.get('register') as { version: number; artifactHash: string };
        expect(registered.artifactHash).toBe(local.artifactHash);
        expect(registered.tags).toMatchObject({ 'bookml.run': 'replay-run', 'bookml.task': 'register' });
        // The step pod's image and its digest reached the registry through the API, and lineage shows them.
        expect(registered.lineage.codeVersion).toMatchObject({ image: IMAGE, imageDigest: DIGEST });
        const shown = runBuilt(['model', 'lineage', `recommender/${version}`], {
          home: join(home, 'control-plane'),
        });
        expect(shown.stdout, shown.stderr).toContain(`image     ${IMAGE}  digest ${DIGEST}`);
      },
      // Two pipeline runs of real processes; generous for a loaded machine (not a speed assertion).
      600_000,
    );

    it('Argo 4.1, recommender-sharded: train-shard ×3 → merge registers the bundle hash of the unsharded local run', async () => {
      const sharded = getPipeline('recommender-sharded');
      const replay = await replayed(sharded.spec, '4.1', 'replay-sharded', { shards: '3' });
      // Three shard pods, their partials handed to merge as artifact-store hashes.
      expect(JSON.parse(replay.nodes.get('train-shard')?.params.partial ?? '[]')).toHaveLength(3);
      const version = Number(replay.nodes.get('register')?.params.version);
      const registered = await (await app.stores.registry()).getVersion('recommender', version);

      const localRun = await runInProcess(
        recommender,
        { kGrid: '[10,40]' },
        join(home, 'local-nodes-unsharded'),
        'local-unsharded',
        localStepServices(stores, { codeVersion: codeVersion() }),
      );
      const local = localRun.outputs.get('register') as { version: number; artifactHash: string };
      expect(registered.artifactHash).toBe(local.artifactHash);
    }, 600_000);
  },
);
