/**
 * The parts of the rendered Argo Events and KServe objects that schemas cannot check: what the drift
 * Sensor's Workflow name evaluates to for real events ("one retrain per 6 hours"), the monitor's
 * cool-down behind it, the dataset Sensor's filters, and the KServe mode annotations.
 *
 * Sources: ../shared/spec/argo.md §16–17 (CloudEvent context, parameters, rate-limit semantics: excess
 * triggers are delayed, not dropped) and argoproj/argo-events `pkg/sensors/triggers/params.go`
 * (`contextTemplate` is a Go text/template with sprig functions, executed over `{ Input: <the event
 * context as JSON> }`; an empty result or an error fails the parameter). KServe: ../shared/spec/kserve.md
 * §InferenceService and kserve `pkg/constants/constants.go` (`Serverless`/`RawDeployment` are the mode
 * names of every release before 0.16, which keeps them as deprecated aliases of `Knative`/`Standard`).
 */
import { describe, expect, it } from 'vitest';
import { DRIFT_WINDOW_SECONDS, NAMES, renderBundle } from '../src/deploy/index.js';
import { getPipeline } from '../src/pipelines/index.js';

type Obj = Record<string, unknown>;
const spec = getPipeline('recommender').spec;
const objectsOf = (serving: 'kserve-serverless' | 'kserve-raw' | 'deployment', canaryPercent?: number) => {
  const b = renderBundle(
    spec,
    { serving, image: 'bookml:1', artifacts: 's3://bookml/artifacts', canaryPercent },
    '0.1.0',
  );
  return b.resources.map(
    (f) => JSON.parse(JSON.stringify(f.manifest)) as Obj & { kind: string; metadata: Obj },
  );
};

// ---- A Go text/template evaluator for the subset the render may use: `{{ f (g …) "lit" 6 .Input.x }}`.

type Value = string | number | Date;
/** The sprig functions (Masterminds/sprig v3) the drift Sensor uses, with their Go semantics. */
const SPRIG: Record<string, (...a: Value[]) => Value> = {
  // toDate(layout, s): time.ParseInLocation; only Go's RFC 3339 layout is accepted here.
  toDate: (layout, s) => {
    if (layout !== '2006-01-02T15:04:05Z07:00') throw new Error(`layout ${String(layout)} is not RFC 3339`);
    const ms = Date.parse(String(s));
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(String(s)) || Number.isNaN(ms))
      throw new Error(`toDate: cannot parse ${String(s)}`);
    return new Date(ms);
  },
  // unixEpoch(t): strconv.FormatInt(t.Unix(), 10) — a string.
  unixEpoch: (t) => {
    if (!(t instanceof Date)) throw new Error('unixEpoch needs a time');
    return String(Math.floor(t.getTime() / 1000));
  },
  // div(a, b): cast.ToInt64(a) / cast.ToInt64(b), Go integer division (truncates toward zero).
  div: (a, b) => {
    const int = (v: Value) => {
      const n = typeof v === 'number' ? v : Number.parseInt(String(v), 10);
      if (!Number.isSafeInteger(n)) throw new Error(`cast.ToInt64(${String(v)})`);
      return n;
    };
    return Math.trunc(int(a) / int(b));
  },
};

function evalTemplate(template: string, input: Obj): string {
  return template.replace(/\{\{-?\s*(.*?)\s*-?\}\}/g, (_, body: string) => String(evalPipeline(body, input)));
}

function evalPipeline(src: string, input: Obj): Value {
  const tokens = src.match(/"(?:[^"\\]|\\.)*"|\(|\)|[^\s()]+/g) ?? [];
  let at = 0;
  const term = (): Value => {
    const t = tokens[at++];
    if (t === '(') {
      const v = call();
      if (tokens[at++] !== ')') throw new Error('unbalanced parentheses');
      return v;
    }
    if (t.startsWith('"')) return JSON.parse(t) as string;
    if (/^-?\d+$/.test(t)) return Number(t);
    if (t.startsWith('.Input.')) {
      const v = t
        .slice('.Input.'.length)
        .split('.')
        .reduce<unknown>((o, k) => (o as Obj | undefined)?.[k], input);
      if (v === undefined) throw new Error(`${t}: <no value>`);
      return v as Value;
    }
    throw new Error(`unsupported token ${t}`);
  };
  const call = (): Value => {
    const name = tokens[at];
    if (name !== undefined && name in SPRIG) {
      at++;
      const args: Value[] = [];
      while (at < tokens.length && tokens[at] !== ')') args.push(term());
      return SPRIG[name](...args);
    }
    return term();
  };
  const v = call();
  if (at !== tokens.length) throw new Error(`trailing tokens in ${src}`);
  return v;
}

/** The CloudEvent context the sensor sees for a drift event published at `time` (spec §16). */
const contextAt = (time: string): Obj => ({
  id: `e-${time}`,
  source: NAMES.driftEventSource,
  specversion: '1.0',
  type: 'nats',
  subject: 'drift',
  time,
  datacontenttype: 'application/json',
});

/** The API server: a `create` of a name that exists fails with AlreadyExists (no second Workflow). */
function driftRetrains(times: readonly string[]): string[] {
  const sensor = objectsOf('kserve-serverless').find(
    (m) => m.kind === 'Sensor' && m.metadata.name === NAMES.driftSensor,
  ) as unknown as { spec: { triggers: { template: { k8s: Obj } }[] } };
  const k8s = sensor.spec.triggers[0].template.k8s as {
    operation: string;
    source: { resource: { metadata: Obj } };
    parameters: { src: { contextTemplate?: string; dependencyName: string }; dest: string }[];
  };
  expect(k8s.operation).toBe('create');
  const created = new Set<string>();
  for (const time of times) {
    const resource = structuredClone(k8s.source.resource);
    for (const p of k8s.parameters) {
      expect(p.dest).toBe('metadata.name');
      const value = evalTemplate(p.src.contextTemplate as string, contextAt(time));
      expect(value).not.toBe('');
      resource.metadata.name = value;
    }
    const name = String(resource.metadata.name);
    // A Workflow name becomes a label value and pod-name prefix: DNS-1123, ≤ 63 (spec §18.6).
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(name.length).toBeLessThanOrEqual(63);
    created.add(name);
  }
  return [...created];
}

describe('the drift Sensor: one retrain per 6 hours', () => {
  it('two drift events 1 hour apart make one Workflow; 7 hours apart, two', () => {
    expect(DRIFT_WINDOW_SECONDS).toBe(6 * 3600);
    expect(driftRetrains(['2026-03-01T01:00:00Z', '2026-03-01T02:00:00Z'])).toHaveLength(1);
    const two = driftRetrains(['2026-03-01T01:00:00Z', '2026-03-01T08:00:00Z']);
    expect(two).toHaveLength(2);
    // The window number is the event time's epoch seconds divided by 6 h.
    expect(two[0]).toBe(
      `${NAMES.workflowTemplate}-drift-${Math.floor(Date.parse('2026-03-01T01:00:00Z') / 1000 / 21600)}`,
    );
    // An offset time names the same instant: the same window.
    expect(driftRetrains(['2026-03-01T01:00:00Z', '2026-03-01T03:00:00+02:00'])).toHaveLength(1);
  });

  it('the window is a fixed UTC bucket, so the monitor’s 6-hour cool-down covers events across a boundary', () => {
    // 05:30 and 06:30 fall into two buckets: the Sensor alone would allow both ...
    expect(driftRetrains(['2026-03-01T05:30:00Z', '2026-03-01T06:30:00Z'])).toHaveLength(2);
    // ... which is why the rendered monitor publishes at most one drift event per 6 hours.
    const monitor = objectsOf('kserve-serverless').find(
      (m) => m.kind === 'Deployment' && m.metadata.name === NAMES.monitor,
    ) as unknown as { spec: { template: { spec: { containers: { args: string[] }[] } } } };
    const args = monitor.spec.template.spec.containers[0].args;
    expect(args[args.indexOf('--cooldown-ms') + 1]).toBe(String(DRIFT_WINDOW_SECONDS * 1000));
  });

  it('a malformed event time fails the parameter (Argo Events then creates nothing), never a wrong name', () => {
    expect(() => driftRetrains(['yesterday'])).toThrow(/toDate/);
  });
});

describe('KServe annotations', () => {
  const isvc = (serving: 'kserve-serverless' | 'kserve-raw', canary?: number) =>
    objectsOf(serving, canary).find((m) => m.kind === 'InferenceService') as unknown as {
      metadata: { annotations: Record<string, string> };
      spec: { predictor: Obj };
    };

  it('names the deployment mode with the values every KServe release reads', () => {
    // kserve.md: `Knative` (old name `Serverless`) | `Standard` (old name `RawDeployment`); the old names
    // are what KServe ≤ 0.15 accepts and 0.16 still maps (constants.go: LegacyServerless, LegacyRawDeployment).
    expect(isvc('kserve-serverless').metadata.annotations['serving.kserve.io/deploymentMode']).toBe(
      'Serverless',
    );
    expect(isvc('kserve-raw').metadata.annotations['serving.kserve.io/deploymentMode']).toBe('RawDeployment');
  });

  it('tags revisions and carries the canary share only in Serverless mode (kserve.md §canary)', () => {
    const serverless = isvc('kserve-serverless', 10);
    expect(serverless.metadata.annotations['serving.kserve.io/enable-tag-routing']).toBe('true');
    expect(serverless.spec.predictor.canaryTrafficPercent).toBe(10);
    const raw = isvc('kserve-raw');
    expect(raw.metadata.annotations['serving.kserve.io/enable-tag-routing']).toBeUndefined();
    expect(raw.spec.predictor.canaryTrafficPercent).toBeUndefined();
    // Only annotations KServe (serving.kserve.io/…) or bookml (bookml.io/…) define.
    for (const key of Object.keys({ ...serverless.metadata.annotations, ...raw.metadata.annotations }))
      expect(key).toMatch(/^(serving\.kserve\.io\/(deploymentMode|enable-tag-routing)|bookml\.io\/.+)$/);
  });
});
