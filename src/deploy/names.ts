/**
 * The names every rendered object shares: ServiceAccounts, Secrets and their keys, the ConfigMap's keys,
 * ports and labels. One table, so the cross-reference test and docs/deploy.md read the same thing.
 */

/** The roles that get their own ServiceAccount. */
export const ROLES = ['pipeline', 'sensor', 'events', 'serving', 'api', 'monitor'] as const;
/** One of {@link ROLES}. */
export type Role = (typeof ROLES)[number];

/** ServiceAccount of a role. */
export const serviceAccountName = (role: Role): string => `bookml-${role}`;

/** Roles whose pods talk to the Kubernetes API (the Argo executor, the sensor); the others get no token. */
export const ROLES_WITH_API_TOKEN: readonly Role[] = ['pipeline', 'sensor'];

/** Object names. */
export const NAMES = Object.freeze({
  workflowTemplate: 'recommender-pipeline',
  cronWorkflow: 'recommender-nightly',
  eventBus: 'default',
  webhookEventSource: 'bookml-webhook',
  driftEventSource: 'bookml-drift',
  webhookSensor: 'bookml-retrain',
  driftSensor: 'bookml-drift-retrain',
  inferenceService: 'bookml-recommender',
  serving: 'bookml-serving',
  api: 'bookml-api',
  monitor: 'bookml-monitor',
  config: 'bookml-config',
  artifactRepositories: 'artifact-repositories',
  artifactRepositoryKey: 'bookml-s3',
  argoApplication: 'bookml',
});

/** Ports the pods listen on. */
export const PORTS = Object.freeze({ api: 8470, serving: 8080, monitor: 9464, webhook: 12000 });

/** A key of a Secret or ConfigMap that some rendered object reads, and what it holds. */
export interface DocumentedKey {
  object: string;
  key: string;
  description: string;
}

/** The Secrets the bundle references. They are created by the operator, never rendered (docs/deploy.md). */
export const SECRETS = Object.freeze({
  stepToken: { name: 'bookml-step-token', key: 'token' },
  database: { name: 'bookml-database', key: 'url' },
  s3AccessKey: { name: 'bookml-s3', key: 'AWS_ACCESS_KEY_ID' },
  s3SecretKey: { name: 'bookml-s3', key: 'AWS_SECRET_ACCESS_KEY' },
  webhookToken: { name: 'bookml-webhook-token', key: 'token' },
  apiTokens: { name: 'bookml-api-tokens', key: 'tokens.yaml' },
});

/** Every Secret key the bundle reads, with what it must hold. */
export const SECRET_KEYS: readonly DocumentedKey[] = [
  {
    object: SECRETS.stepToken.name,
    key: SECRETS.stepToken.key,
    description:
      'API token of the pipeline steps (BOOKML_API_TOKEN); the same token with role operator is listed in bookml-api-tokens',
  },
  {
    object: SECRETS.database.name,
    key: SECRETS.database.key,
    description:
      'postgres:// URL of the metadata database (BOOKML_DATABASE_URL); read by api, serving and monitor only',
  },
  {
    object: SECRETS.s3AccessKey.name,
    key: SECRETS.s3AccessKey.key,
    description: 'S3 access key of the artifact store and of the Argo artifact repository',
  },
  {
    object: SECRETS.s3SecretKey.name,
    key: SECRETS.s3SecretKey.key,
    description: 'S3 secret key of the artifact store and of the Argo artifact repository',
  },
  {
    object: SECRETS.webhookToken.name,
    key: SECRETS.webhookToken.key,
    description: 'bearer token the dataset-ready webhook requires (Authorization: Bearer <token>)',
  },
  {
    object: SECRETS.apiTokens.name,
    key: SECRETS.apiTokens.key,
    description: 'the control-plane API tokens file: [{id, roles, sha256}] (bookml api --tokens-file)',
  },
];

/** Keys of the bookml ConfigMap, read as environment variables. */
export const CONFIG_KEYS: readonly DocumentedKey[] = [
  { object: NAMES.config, key: 'BOOKML_ARTIFACTS', description: 'artifact store URI, s3://bucket/prefix' },
  {
    object: NAMES.config,
    key: 'AWS_ENDPOINT_URL',
    description: 'S3 endpoint URL (for an S3-compatible store)',
  },
  { object: NAMES.config, key: 'AWS_REGION', description: 'S3 region' },
  {
    object: NAMES.config,
    key: 'BOOKML_NATS_URL',
    description: 'NATS the drift monitor publishes ml.drift to',
  },
  { object: NAMES.config, key: 'BOOKML_LOG_LEVEL', description: 'log level of every server' },
  {
    object: NAMES.config,
    key: 'BOOKML_HOME',
    description: 'workspace folder: on the /tmp emptyDir (state lives in PostgreSQL and S3)',
  },
];

/** The documented key of the Argo artifact repositories ConfigMap. */
export const ARTIFACT_REPOSITORY_KEYS: readonly DocumentedKey[] = [
  {
    object: NAMES.artifactRepositories,
    key: NAMES.artifactRepositoryKey,
    description: 'the S3 artifact repository the WorkflowTemplate’s artifacts go to (artifactRepositoryRef)',
  },
];

/** Labels every object carries. */
export const COMMON_LABELS = Object.freeze({
  'app.kubernetes.io/name': 'bookml',
  'app.kubernetes.io/part-of': 'bookml',
  'app.kubernetes.io/managed-by': 'bookml-deploy',
});

/** Labels selecting the pods of one component. */
export const componentLabels = (component: string): Record<string, string> => ({
  'app.kubernetes.io/name': 'bookml',
  'app.kubernetes.io/component': component,
});
