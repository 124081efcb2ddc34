/**
 * The rendered cluster form, for every Argo version × serving mode: each object passes the official
 * schemas in ../shared/schemas (closed mode; Argo 3.5 against v3.5.10's own schema), the typed models of
 * kubernetes-models, bookml's Pod Security `restricted` check and the independent checker
 * (check-pod-security.mjs, without --executor-configured); it matches its golden file; and its
 * cross-references hold (sensor parameters, ServiceAccounts and bindings, Secret and ConfigMap keys).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1';
import {
  PrometheusRule,
  ServiceMonitor,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ConfigMap, Namespace, Service, ServiceAccount } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import {
  ARTIFACT_REPOSITORY_KEYS,
  type Bundle,
  CONFIG_KEYS,
  checkBundleRestricted,
  DATASET_PARAM,
  type Manifest,
  manifestsToYaml,
  renderBundle,
  SECRET_KEYS,
  SERVING_MODES,
  type ServingMode,
} from '../src/deploy/index.js';
import { ARGO_VERSIONS, type ArgoVersion } from '../src/pipeline/compile/index.js';
import { getPipeline } from '../src/pipelines/index.js';
// @ts-expect-error a plain ES module without types, copied from ../shared/schemas (see its README)
import { checkDocument } from './fixtures/shared-schemas/check-pod-security.mjs';
// @ts-expect-error a plain ES module without types, copied from ../shared/schemas (see its README)
import { loadValidators } from './fixtures/shared-schemas/validate-manifests.mjs';
import { golden } from './golden/golden.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SCHEMAS = path.resolve(here, '..', '..', 'shared', 'schemas');
const SHARED_MISSING = existsSync(path.join(SCHEMAS, 'argo-workflows-v3.5.10.schema.json'))
  ? undefined
  : 'needs ../shared/schemas beside the repository (the official schemas)';

/** Compiling a schema takes seconds: one validator set per schema file. */
const validators = new Map<string, { validate: (m: unknown) => string[] | null }>();
const validatorsFor = (argo: ArgoVersion) => {
  const schema = argo === '3.5' ? '3.5' : '4.1';
  if (!validators.has(schema))
    validators.set(schema, loadValidators(SCHEMAS, { closed: true, argo: schema }));
  return validators.get(schema) as { validate: (m: unknown) => string[] | null };
};

const spec = getPipeline('recommender').spec;
const IMAGE = 'registry.example.com/bookml:0.1.0';
const render = (argoVersion: ArgoVersion, serving: ServingMode): Bundle =>
  renderBundle(spec, { argoVersion, serving, image: IMAGE, artifacts: 's3://bookml/artifacts' }, '0.1.0');

const VARIANTS = ARGO_VERSIONS.flatMap((a) => SERVING_MODES.map((s) => [a, s] as const));
const objectsOf = (b: Bundle): Manifest[] => [...b.resources.map((f) => f.manifest), b.argoCd.manifest];

/** The typed model of each core or operator kind the bundle holds. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
  'argoproj.io/v1alpha1/Application': Application,
};
const SCHEMA_KINDS = [
  'WorkflowTemplate',
  'CronWorkflow',
  'EventBus',
  'EventSource',
  'Sensor',
  'InferenceService',
];

describe.each(VARIANTS)('deploy render: Argo %s, serving %s', (argo, serving) => {
  const bundle = render(argo, serving);
  const objects = objectsOf(bundle);

  it.skipIf(SHARED_MISSING !== undefined)(
    'every object passes the official schemas, closed',
    () => {
      const { validate } = validatorsFor(argo);
      const checked: string[] = [];
      for (const m of objects) {
        const errors = validate(m);
        if (errors === null) continue;
        checked.push(m.kind);
        expect(errors, `${m.kind}/${m.metadata.name}`).toEqual([]);
      }
      for (const kind of SCHEMA_KINDS.filter((k) => k !== 'InferenceService' || serving !== 'deployment'))
        expect(checked).toContain(kind);
      // The first use compiles the official schemas, slow on a loaded machine (not a speed assertion).
    },
    300_000,
  );

  it('every core and operator kind passes its kubernetes-models validation', () => {
    const unmodelled: string[] = [];
    for (const m of objects) {
      const Model = MODELS[`${m.apiVersion}/${m.kind}`];
      if (Model === undefined) unmodelled.push(m.kind);
      else
        expect(
          () => new Model(structuredClone(m) as never).validate(),
          `${m.kind}/${m.metadata.name}`,
        ).not.toThrow();
    }
    expect([...new Set(unmodelled)].every((k) => SCHEMA_KINDS.includes(k))).toBe(true);
  });

  it('every pod spec passes Pod Security restricted: bookml’s check and the independent one', () => {
    let pods = 0;
    for (const m of objects) {
      expect(checkBundleRestricted(m), `${m.kind}/${m.metadata.name}`).toEqual([]);
      const r = checkDocument(structuredClone(m)) as { pods: number; violations: string[] };
      expect(r.violations, `${m.kind}/${m.metadata.name}`).toEqual([]);
      pods += r.pods;
    }
    // api, monitor, serving, the WorkflowTemplate's step pods, 2 EventSources, 2 Sensors (and the EventBus).
    expect(pods).toBeGreaterThanOrEqual(8);
  });

  it('records the Argo dialect it was rendered in', () => {
    const cron = objects.find((m) => m.kind === 'CronWorkflow') as Manifest & {
      spec: Record<string, unknown>;
    };
    const wt = objects.find((m) => m.kind === 'WorkflowTemplate') as Manifest;
    for (const m of [cron, wt])
      expect(m.metadata.labels?.['bookml.io/argo-version']).toBe(argo.replace('.', '-'));
    if (argo === '3.5') {
      expect(cron.spec.schedule).toBe('0 2 * * *');
      expect(cron.spec.schedules).toBeUndefined();
      expect(JSON.stringify(wt)).toContain('"mutex":{"name":"recommender-promote"}');
      expect(JSON.stringify(wt)).not.toContain('"mutexes"');
    } else {
      expect(cron.spec.schedules).toEqual(['0 2 * * *']);
      expect(JSON.stringify(wt)).toContain('"mutexes":[{"name":"recommender-promote"}]');
    }
    expect(cron.spec).toMatchObject({
      timezone: 'UTC',
      concurrencyPolicy: 'Replace',
      startingDeadlineSeconds: 600,
    });
  });

  it('matches its golden file', async () => {
    const yaml = await manifestsToYaml([...objects, bundle.kustomization]);
    const { expected, actual } = golden(`deploy/${argo}-${serving}.yaml`, yaml);
    expect(actual).toEqual(expected);
  });
});

type Obj = Record<string, unknown>;
/** Every object nested anywhere in `x` (depth first), with the key it was under. */
function* nodes(x: unknown, key = ''): Generator<[string, Obj]> {
  if (Array.isArray(x)) for (const v of x) yield* nodes(v, key);
  else if (x !== null && typeof x === 'object') {
    yield [key, x as Obj];
    for (const [k, v] of Object.entries(x)) yield* nodes(v, k);
  }
}

describe('deploy render: cross-references', () => {
  const bundle = render('3.5', 'kserve-serverless');
  const objects = objectsOf(bundle);
  const byKind = (kind: string) => objects.filter((m) => m.kind === kind) as (Manifest & { spec: Obj })[];
  const wt = byKind('WorkflowTemplate')[0];
  const wtParams = ((wt.spec.arguments as Obj).parameters as { name: string }[]).map((p) => p.name);

  it('each Sensor parameter names a real WorkflowTemplate parameter, and the template exists', () => {
    expect(wtParams).toContain(DATASET_PARAM);
    let checked = 0;
    for (const sensor of byKind('Sensor')) {
      for (const trigger of sensor.spec.triggers as Obj[]) {
        const k8s = (trigger.template as Obj).k8s as Obj;
        const wf = (k8s.source as Obj).resource as {
          spec: { workflowTemplateRef: { name: string }; arguments: { parameters: { name: string }[] } };
        };
        expect(wf.spec.workflowTemplateRef.name).toBe(wt.metadata.name);
        for (const p of wf.spec.arguments.parameters) expect(wtParams).toContain(p.name);
        for (const p of (k8s.parameters ?? []) as { dest: string }[]) {
          const m = /^spec\.arguments\.parameters\.(\d+)\.value$/.exec(p.dest);
          if (m === null) {
            expect(p.dest).toBe('metadata.name');
            continue;
          }
          expect(wtParams).toContain(wf.spec.arguments.parameters[Number(m[1])].name);
          checked++;
        }
      }
      for (const dep of sensor.spec.dependencies as { eventSourceName: string; eventName: string }[]) {
        const source = byKind('EventSource').find((e) => e.metadata.name === dep.eventSourceName);
        expect(source, dep.eventSourceName).toBeDefined();
        const events = Object.values(source?.spec ?? {}).flatMap((v) =>
          v && typeof v === 'object' ? Object.keys(v) : [],
        );
        expect(events).toContain(dep.eventName);
      }
    }
    expect(checked).toBeGreaterThan(0);
    const cron = byKind('CronWorkflow')[0];
    expect(((cron.spec.workflowSpec as Obj).workflowTemplateRef as Obj).name).toBe(wt.metadata.name);
  });

  it('each ServiceAccount used exists; those with an API token are bound; bindings name real Roles', () => {
    const accounts = new Map(byKind('ServiceAccount').map((s) => [s.metadata.name, s as Obj]));
    const used = new Set<string>();
    for (const m of objects)
      for (const [, n] of nodes(m))
        if (typeof n.serviceAccountName === 'string') used.add(n.serviceAccountName);
    expect(used.size).toBeGreaterThanOrEqual(6);
    for (const sa of used) expect(accounts.has(sa), sa).toBe(true);
    const roles = new Set(byKind('Role').map((r) => r.metadata.name));
    const bound = new Set<string>();
    for (const b of objects.filter((m) => m.kind === 'RoleBinding') as (Manifest & {
      roleRef: { name: string };
      subjects: { name: string }[];
    })[]) {
      expect(roles.has(b.roleRef.name)).toBe(true);
      for (const s of b.subjects) {
        expect(accounts.has(s.name)).toBe(true);
        bound.add(s.name);
      }
    }
    for (const [name, sa] of accounts)
      expect(bound.has(name), name).toBe(sa.automountServiceAccountToken === true);
    // Least privilege: no cluster-wide kinds, no access to Secrets.
    expect(objects.some((m) => /^Cluster/.test(m.kind))).toBe(false);
    expect(JSON.stringify(byKind('Role'))).not.toContain('secrets');
  });

  it('each Secret and ConfigMap key referenced is documented, and no Secret is rendered', () => {
    expect(objects.some((m) => m.kind === 'Secret')).toBe(false);
    const documented = new Set(
      [...SECRET_KEYS, ...CONFIG_KEYS, ...ARTIFACT_REPOSITORY_KEYS].map((k) => `${k.object}/${k.key}`),
    );
    const referenced = new Set<string>();
    for (const m of objects) {
      for (const [key, n] of nodes(m)) {
        if (
          ['secretKeyRef', 'configMapKeyRef', 'authSecret', 'accessKeySecret', 'secretKeySecret'].includes(
            key,
          )
        )
          referenced.add(`${n.name}/${n.key}`);
        if (typeof n.secretName === 'string')
          for (const item of (n.items ?? []) as { key: string }[])
            referenced.add(`${n.secretName}/${item.key}`);
        if (typeof n.configMap === 'string' && typeof n.key === 'string')
          referenced.add(`${n.configMap}/${n.key}`);
      }
      // The artifact repository's S3 keys are inside its ConfigMap value (YAML text).
      if (m.kind === 'ConfigMap')
        for (const v of Object.values((m as Obj).data as Record<string, string>))
          if (v.trim().startsWith('{'))
            for (const [key, n] of nodes(JSON.parse(v)))
              if (key.endsWith('Secret')) referenced.add(`${n.name}/${n.key}`);
    }
    expect(referenced.size).toBeGreaterThanOrEqual(8);
    for (const r of referenced) expect(documented.has(r), r).toBe(true);
    for (const cm of byKind('ConfigMap'))
      for (const key of Object.keys((cm as Obj).data as Obj))
        expect(documented.has(`${cm.metadata.name}/${key}`), key).toBe(true);
    const docs = path.resolve(here, '..', 'docs', 'deploy.md');
    if (existsSync(docs)) {
      const text = readFileSync(docs, 'utf8');
      for (const k of [...SECRET_KEYS, ...CONFIG_KEYS])
        expect(text, `${k.object}/${k.key} in docs/deploy.md`).toContain(k.key);
      for (const k of SECRET_KEYS) expect(text).toContain(k.object);
    }
  });

  it('step pods use the remote runtime: API URL and token, never database credentials; writable paths are emptyDirs', () => {
    const text = JSON.stringify(wt);
    expect(text).toContain('BOOKML_API_URL');
    expect(text).toContain('"BOOKML_API_TOKEN"');
    expect(text).not.toContain('BOOKML_DATABASE_URL');
    for (const t of wt.spec.templates as Obj[]) {
      const c = t.container as Obj | undefined;
      if (c === undefined) continue;
      expect((c.securityContext as Obj).readOnlyRootFilesystem).toBe(true);
    }
  });

  it('refuses options it cannot render, listing every bad one', () => {
    expect(() =>
      renderBundle(
        spec,
        { argoVersion: '3.4' as never, serving: 'knative' as never, artifacts: 'file:///x' },
        '0.1.0',
      ),
    ).toThrow(/argoVersion.*serving.*artifacts/);
    expect(() => renderBundle(spec, { serving: 'kserve-raw', canaryPercent: 10 }, '0.1.0')).toThrow(
      /Serverless/,
    );
  });

  it('bookml’s restricted check catches a writable root filesystem and a missing /tmp emptyDir', () => {
    const api = structuredClone(objects.find((m) => m.kind === 'Deployment')) as Obj;
    const pod = ((api.spec as Obj).template as Obj).spec as Obj;
    const c = (pod.containers as Obj[])[0];
    (c.securityContext as Obj).readOnlyRootFilesystem = false;
    pod.volumes = [];
    expect(checkBundleRestricted(api)).toEqual([
      expect.stringContaining('readOnlyRootFilesystem must be true'),
      expect.stringContaining('must mount an emptyDir at /tmp'),
    ]);
  });
});
