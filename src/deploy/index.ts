/**
 * The cluster form: `bookml deploy render` (a kustomize base of every object the recommender loop needs
 * on Kubernetes, in the dialect of the chosen Argo version and serving mode) and `bookml deploy promote`
 * (a GitOps commit of the serving manifest). See ARCHITECTURE.md and docs/deploy.md.
 *
 * @example
 * import { renderBundle, writeBundle } from '../deploy/index.js';
 * await writeBundle(renderBundle(getPipeline('recommender').spec, { argoVersion: '3.5' }, '0.1.0'), 'k8s');
 */

export type { Bundle, BundleFile, Manifest } from './bundle.js';
export { renderBundle, SERVING_FILE } from './bundle.js';
export type { DeployErrorCode } from './errors.js';
export { DEPLOY_ERRORS, DeployError } from './errors.js';
export { DATASET_FIELD, DATASET_PARAM, DRIFT_WINDOW_SECONDS } from './events.js';
export type { GitOpsAction, GitRunner, PromotionRecord, ServingState } from './gitops.js';
export { commitMessage, commitPromotion, gitRunner, readServingState } from './gitops.js';
export type { DocumentedKey, Role } from './names.js';
export {
  ARTIFACT_REPOSITORY_KEYS,
  CONFIG_KEYS,
  NAMES,
  ROLES,
  SECRET_KEYS,
  SECRETS,
  serviceAccountName,
} from './names.js';
export type { RenderOptions, ResolvedRenderOptions, ServingMode } from './options.js';
export { RENDER_DEFAULTS, resolveRenderOptions, SERVING_MODES } from './options.js';
export { checkBundleRestricted } from './restricted.js';
export { MODEL_VERSION_ANNOTATION } from './serving.js';
export { bundleFiles, manifestsToYaml, writeBundle } from './write.js';
