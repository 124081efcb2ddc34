import { DNS_LABEL, ENV_NAME } from '../definition/names.js';
import { PipelineError } from '../errors.js';

/** What {@link compileToArgo} takes. Validated once; unknown keys are errors. */
export interface ArgoCompileOptions {
  /** Image with `bookml` on its PATH, e.g. `registry.example.com/bookml:0.1.0`. */
  image: string;
  /** @default 'bookstore-ml' */
  namespace?: string;
  /** WorkflowTemplate name. @default the pipeline's name */
  name?: string;
  /** ServiceAccount of every pod (needs the executor's RBAC, spec/argo.md §11). @default 'bookml-pipeline' */
  serviceAccountName?: string;
  /** S3-compatible repository: `artifactRepositoryRef` + key-only artifacts. @default the controller's default repository */
  artifactRepository?: { configMap: string; key: string };
  /** Patch Argo's `init`/`wait` containers (legacy pod layout). Turn off only for 4.1's init-less layout. @default true */
  legacyPodLayout?: boolean;
  /** @default 'IfNotPresent' */
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  /** Control-plane URL the steps call, as `BOOKML_API_URL`. @default none */
  apiUrl?: string;
  /** Secret holding the steps' API token, as `BOOKML_API_TOKEN`. @default none */
  apiTokenSecret?: { name: string; key: string };
  /**
   * Secret holding the metadata database URL (`postgres://…`), as `BOOKML_DATABASE_URL`: steps that record
   * to the registry or the run store read it. A URL with a password never goes into the template itself.
   * @default none
   */
  databaseUrlSecret?: { name: string; key: string };
  /** Values of the environment variables steps declare (`env`). Every declared one must be given. @default {} */
  env?: Readonly<Record<string, string>>;
  /** Requests and limits of every step container; quantities as strings (`"250m"`, `"1Gi"`). @default none */
  resources?: {
    requests?: { cpu?: string; memory?: string };
    limits?: { cpu?: string; memory?: string };
  };
  /** PVC mounted at `/workspace` in every step (`BOOKML_HOME=/workspace`). @default none */
  workspaceClaimName?: string;
  /** Extra labels on the WorkflowTemplate. @default {} */
  labels?: Readonly<Record<string, string>>;
}

/** Options with defaults applied. */
export type ResolvedArgoOptions = Required<
  Pick<
    ArgoCompileOptions,
    'image' | 'namespace' | 'serviceAccountName' | 'legacyPodLayout' | 'imagePullPolicy' | 'env' | 'labels'
  >
> &
  Omit<
    ArgoCompileOptions,
    'image' | 'namespace' | 'serviceAccountName' | 'legacyPodLayout' | 'imagePullPolicy' | 'env' | 'labels'
  >;

/** Defaults of {@link ArgoCompileOptions}. */
export const ARGO_DEFAULTS = Object.freeze({
  namespace: 'bookstore-ml',
  serviceAccountName: 'bookml-pipeline',
  legacyPodLayout: true,
  imagePullPolicy: 'IfNotPresent' as const,
});

const KEYS = [
  'image',
  'namespace',
  'name',
  'serviceAccountName',
  'artifactRepository',
  'legacyPodLayout',
  'imagePullPolicy',
  'apiUrl',
  'apiTokenSecret',
  'databaseUrlSecret',
  'env',
  'resources',
  'workspaceClaimName',
  'labels',
];
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * Validate compile options and apply defaults. Every bad key is listed in one `PIPELINE_INVALID_COMPILE_OPTIONS`.
 * @example resolveArgoOptions({ image: 'bookml:0.1.0' }).namespace; // 'bookstore-ml'
 */
export function resolveArgoOptions(o: ArgoCompileOptions): ResolvedArgoOptions {
  const problems: string[] = [];
  const need = (ok: boolean, key: string, reason: string) => {
    if (!ok) problems.push(`${key} ${reason}`);
  };
  if (o === null || typeof o !== 'object') {
    throw new PipelineError(
      'PIPELINE_INVALID_COMPILE_OPTIONS',
      'compile options must be an object with at least { image }',
      { field: 'options' },
    );
  }
  for (const k of Object.keys(o))
    need(KEYS.includes(k), k, `is not a compile option (options: ${KEYS.join(', ')})`);
  need(
    typeof o.image === 'string' && o.image.trim() !== '' && !/\s/.test(o.image),
    'image',
    'must be an image reference',
  );
  const dns = (v: unknown, key: string, re = DNS_LABEL, max = 63) => {
    if (v !== undefined)
      need(
        typeof v === 'string' && re.test(v) && v.length <= max,
        key,
        `must be a DNS-1123 name, got ${JSON.stringify(v)}`,
      );
  };
  dns(o.namespace, 'namespace');
  dns(o.name, 'name');
  dns(o.serviceAccountName, 'serviceAccountName', DNS_SUBDOMAIN, 253);
  dns(o.workspaceClaimName, 'workspaceClaimName', DNS_SUBDOMAIN, 253);
  const ref = (v: unknown, key: string, fields: string[]) => {
    if (v === undefined) return;
    const r = v as Record<string, unknown>;
    need(v !== null && typeof v === 'object', key, 'must be an object');
    for (const f of fields) dns(r?.[f] ?? '', `${key}.${f}`, DNS_SUBDOMAIN, 253);
    for (const k of Object.keys(r ?? {}))
      need(fields.includes(k), `${key}.${k}`, `is not an option (${fields.join(', ')})`);
  };
  ref(o.artifactRepository, 'artifactRepository', ['configMap', 'key']);
  ref(o.apiTokenSecret, 'apiTokenSecret', ['name', 'key']);
  ref(o.databaseUrlSecret, 'databaseUrlSecret', ['name', 'key']);
  if (o.artifactRepository?.key !== undefined) {
    need(
      /^[-._a-zA-Z0-9]+$/.test(o.artifactRepository.key),
      'artifactRepository.key',
      'must be a ConfigMap key',
    );
  }
  if (o.legacyPodLayout !== undefined)
    need(typeof o.legacyPodLayout === 'boolean', 'legacyPodLayout', 'must be true or false');
  if (o.imagePullPolicy !== undefined) {
    need(
      ['Always', 'IfNotPresent', 'Never'].includes(o.imagePullPolicy),
      'imagePullPolicy',
      'must be Always, IfNotPresent or Never',
    );
  }
  if (o.apiUrl !== undefined)
    need(
      typeof o.apiUrl === 'string' && /^https?:\/\/\S+$/.test(o.apiUrl),
      'apiUrl',
      'must be an http(s) URL',
    );
  for (const [k, v] of Object.entries(o.env ?? {})) {
    need(ENV_NAME.test(k), `env.${k}`, 'is not an environment variable name');
    need(typeof v === 'string', `env.${k}`, 'must be a string');
    need(
      !String(v).includes('{{'),
      `env.${k}`,
      'must not contain "{{" (Argo would read it as a template tag)',
    );
  }
  for (const side of ['requests', 'limits'] as const) {
    const r = (o.resources as Record<string, Record<string, unknown>> | undefined)?.[side];
    for (const [k, v] of Object.entries(r ?? {})) {
      need(k === 'cpu' || k === 'memory', `resources.${side}.${k}`, 'is not cpu or memory');
      need(
        typeof v === 'string' && QUANTITY.test(v),
        `resources.${side}.${k}`,
        `must be a quantity string such as "250m" or "1Gi", got ${JSON.stringify(v)}`,
      );
    }
  }
  for (const k of Object.keys(o.resources ?? {}))
    need(k === 'requests' || k === 'limits', `resources.${k}`, 'is not requests or limits');
  for (const [k, v] of Object.entries(o.labels ?? {})) {
    need(
      typeof v === 'string' && LABEL_VALUE.test(v) && v.length <= 63,
      `labels.${k}`,
      'must be a label value',
    );
  }
  if (problems.length > 0) {
    throw new PipelineError(
      'PIPELINE_INVALID_COMPILE_OPTIONS',
      `invalid compile options: ${problems.join('; ')}`,
      {
        field: problems[0].split(' ')[0],
      },
    );
  }
  return {
    ...o,
    namespace: o.namespace ?? ARGO_DEFAULTS.namespace,
    serviceAccountName: o.serviceAccountName ?? ARGO_DEFAULTS.serviceAccountName,
    legacyPodLayout: o.legacyPodLayout ?? ARGO_DEFAULTS.legacyPodLayout,
    imagePullPolicy: o.imagePullPolicy ?? ARGO_DEFAULTS.imagePullPolicy,
    env: o.env ?? {},
    labels: o.labels ?? {},
  };
}
