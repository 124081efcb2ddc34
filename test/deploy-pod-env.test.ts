/**
 * What the rendered pods are told beyond the ConfigMap: serving and the monitor share the prediction
 * log through PostgreSQL (so the monitor has the database Secret and may reach PostgreSQL), and every
 * bookml container — Argo step templates included — knows the image it runs, for lineage.
 */
import { describe, expect, it } from 'vitest';
import { NAMES, renderBundle, SECRETS } from '../src/deploy/index.js';
import { getPipeline } from '../src/pipelines/index.js';

type Env = { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } };
type Container = { name: string; image: string; command?: string[]; env?: Env[] };
type Obj = Record<string, unknown>;

const DIGEST = `sha256:${'9f'.repeat(32)}`;
const IMAGE = `registry.example.com/bookml@${DIGEST}`;

/** Every container of an object that makes pods, with the kind and name of the object. */
function containersOf(m: Obj): { owner: string; c: Container }[] {
  const owner = `${m.kind as string}/${(m.metadata as Obj).name as string}`;
  const spec = m.spec as Obj;
  const pod =
    m.kind === 'Deployment'
      ? ((spec.template as Obj).spec as Obj)
      : m.kind === 'InferenceService'
        ? (spec.predictor as Obj)
        : null;
  if (pod !== null) return (pod.containers as Container[]).map((c) => ({ owner, c }));
  if (m.kind === 'WorkflowTemplate')
    return (spec.templates as Obj[])
      .filter((t) => t.container !== undefined)
      .map((t) => ({ owner: `${owner}#${t.name as string}`, c: t.container as Container }));
  return [];
}

const envOf = (c: Container, name: string) => c.env?.find((e) => e.name === name);

describe.each(['kserve-serverless', 'kserve-raw', 'deployment'] as const)(
  'pods rendered for %s',
  (serving) => {
    const objects = renderBundle(
      getPipeline('recommender').spec,
      { serving, image: IMAGE },
      '0.1.0',
    ).resources.map((f) => JSON.parse(JSON.stringify(f.manifest)) as Obj);
    const containers = objects.flatMap(containersOf);

    it('every bookml container, Argo steps included, gets BOOKML_IMAGE = the pinned reference', () => {
      const bookml = containers.filter(({ c }) => c.image === IMAGE);
      expect(bookml.some(({ owner }) => owner.startsWith('WorkflowTemplate/'))).toBe(true);
      expect(bookml.length).toBeGreaterThanOrEqual(4);
      for (const { owner, c } of bookml) expect(envOf(c, 'BOOKML_IMAGE')?.value, owner).toBe(IMAGE);
    });

    it('serving and the monitor keep the prediction log in the database, which both may reach', () => {
      const servingPods = containers.filter(({ owner }) =>
        [`InferenceService/${NAMES.inferenceService}`, `Deployment/${NAMES.serving}`].includes(owner),
      );
      const monitor = containers.filter(({ owner }) => owner === `Deployment/${NAMES.monitor}`);
      expect(servingPods).toHaveLength(1);
      expect(monitor).toHaveLength(1);
      for (const { owner, c } of [...servingPods, ...monitor]) {
        expect(envOf(c, 'BOOKML_PREDICTIONS')?.value, owner).toBe('database');
        expect(envOf(c, 'BOOKML_DATABASE_URL')?.valueFrom?.secretKeyRef, owner).toEqual(SECRETS.database);
      }
      // Steps never: they reach state through the API only.
      for (const { owner, c } of containers.filter(({ owner }) => owner.startsWith('WorkflowTemplate/'))) {
        expect(envOf(c, 'BOOKML_PREDICTIONS'), owner).toBeUndefined();
        expect(envOf(c, 'BOOKML_DATABASE_URL'), owner).toBeUndefined();
      }
      const policy = objects.find(
        (m) => m.kind === 'NetworkPolicy' && (m.metadata as Obj).name === 'bookml-monitor',
      ) as { spec: { egress: { ports: { port: number }[] }[] } };
      expect(policy.spec.egress.flatMap((e) => e.ports.map((p) => p.port))).toContain(5432);
    });
  },
);
