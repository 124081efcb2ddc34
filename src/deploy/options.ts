import { ARGO_VERSIONS, type ArgoVersion } from '../pipeline/compile/index.js';
import { DeployError } from './errors.js';

/** How the recommender is served on the cluster. */
export const SERVING_MODES = ['kserve-serverless', 'kserve-raw', 'deployment'] as const;
/** One of {@link SERVING_MODES}. */
export type ServingMode = (typeof SERVING_MODES)[number];

/** What {@link renderBundle} takes; every field has a default. */
export interface RenderOptions {
  /** @default 'bookstore-ml' */
  namespace?: string;
  /** Image with bookml on its PATH. @default `bookml:<package version>` */
  image?: string;
  /** @default '3.5' (what the original system's chart installs) */
  argoVersion?: ArgoVersion;
  /** @default 'kserve-serverless' */
  serving?: ServingMode;
  /** Artifact store of every pod and Argo's artifact repository. @default 's3://bookml/artifacts' */
  artifacts?: string;
  /** S3 endpoint URL (S3-compatible servers). @default 'https://s3.amazonaws.com' */
  s3Endpoint?: string;
  /** @default 'us-east-1' */
  s3Region?: string;
  /** NATS the drift monitor publishes to and the drift EventSource reads. @default 'nats://bookml-nats:4222' */
  natsUrl?: string;
  /** Git repository Argo CD syncs the bundle from. @default 'https://git.example.com/bookstore/bookml-deploy.git' */
  gitRepoUrl?: string;
  /** Folder of the bundle in that repository. @default 'k8s' */
  gitPath?: string;
  /** Registry version the serving manifest names (GitOps). @default none: the production alias is followed */
  modelVersion?: number;
  /** Share of traffic for the staging candidate (kserve-serverless only). @default none */
  canaryPercent?: number;
}

/** {@link RenderOptions} with defaults applied. */
export type ResolvedRenderOptions = Required<Omit<RenderOptions, 'modelVersion' | 'canaryPercent'>> &
  Pick<RenderOptions, 'modelVersion' | 'canaryPercent'> & {
    /** Bucket and key prefix of `artifacts`. */
    s3: { bucket: string; prefix: string };
  };

/** Defaults of {@link RenderOptions}. */
export const RENDER_DEFAULTS = Object.freeze({
  namespace: 'bookstore-ml',
  argoVersion: '3.5' as ArgoVersion,
  serving: 'kserve-serverless' as ServingMode,
  artifacts: 's3://bookml/artifacts',
  s3Endpoint: 'https://s3.amazonaws.com',
  s3Region: 'us-east-1',
  natsUrl: 'nats://bookml-nats:4222',
  gitRepoUrl: 'https://git.example.com/bookstore/bookml-deploy.git',
  gitPath: 'k8s',
});

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const S3_URI = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/;

/**
 * Validate render options and apply defaults; every bad option is listed in one `DEPLOY_INVALID_OPTIONS`.
 * @example resolveRenderOptions({ image: 'bookml:1' }, '0.1.0').argoVersion; // '3.5'
 */
export function resolveRenderOptions(o: RenderOptions, packageVersion: string): ResolvedRenderOptions {
  const problems: string[] = [];
  const r = { ...RENDER_DEFAULTS, image: `bookml:${packageVersion}`, ...stripUndefined(o) };
  if (!DNS_LABEL.test(r.namespace) || r.namespace.length > 63)
    problems.push(`namespace: "${r.namespace}" is not a DNS-1123 label`);
  // A digest must be sha256 in full: lineage records it as the image's identity (BOOKML_IMAGE).
  if (!/^[^\s@]+(@sha256:[0-9a-f]{64})?$/.test(r.image))
    problems.push(`image: "${r.image}" is not an image reference (repo:tag or repo@sha256:<64 hex>)`);
  if (!ARGO_VERSIONS.includes(r.argoVersion))
    problems.push(`argoVersion: "${r.argoVersion}" is not one of ${ARGO_VERSIONS.join(', ')}`);
  if (!SERVING_MODES.includes(r.serving))
    problems.push(`serving: "${r.serving}" is not one of ${SERVING_MODES.join(', ')}`);
  const s3 = S3_URI.exec(r.artifacts);
  if (s3 === null) problems.push(`artifacts: "${r.artifacts}" is not s3://bucket/prefix`);
  for (const [k, v] of [
    ['s3Endpoint', r.s3Endpoint],
    ['gitRepoUrl', r.gitRepoUrl],
  ] as const) {
    if (!/^https?:\/\/\S+$/.test(v) && !(k === 'gitRepoUrl' && /^(ssh|git|file):\/\/\S+$|^git@\S+$/.test(v)))
      problems.push(`${k}: "${v}" is not a URL`);
  }
  if (!/^nats:\/\/\S+$/.test(r.natsUrl)) problems.push(`natsUrl: "${r.natsUrl}" is not nats://host:port`);
  if (r.modelVersion !== undefined && !(Number.isInteger(r.modelVersion) && r.modelVersion > 0))
    problems.push(`modelVersion: must be a registry version number, got ${r.modelVersion}`);
  if (r.canaryPercent !== undefined) {
    if (!(Number.isInteger(r.canaryPercent) && r.canaryPercent >= 0 && r.canaryPercent <= 100))
      problems.push(`canaryPercent: must be a whole number 0–100, got ${r.canaryPercent}`);
    if (r.serving !== 'kserve-serverless')
      problems.push(
        'canaryPercent: KServe splits traffic only in Serverless (Knative) mode; use --serving kserve-serverless',
      );
  }
  if (problems.length > 0) {
    throw new DeployError('DEPLOY_INVALID_OPTIONS', `invalid render options: ${problems.join('; ')}`, {
      field: problems[0].split(':')[0],
    });
  }
  const [, bucket, prefix = ''] = s3 as RegExpExecArray;
  return { ...r, s3: { bucket, prefix: prefix.replace(/\/+$/, '') } };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
