import { BookmlError, type CatalogueErrorOptions, defineErrors } from '../core/index.js';

/**
 * Errors of `deploy/`: rendering the cluster bundle and GitOps promotion. Match on `code`, never on text.
 */
export const DEPLOY_ERRORS = defineErrors('DEPLOY', {
  DEPLOY_INVALID_OPTIONS: {
    status: 400,
    description:
      'A render or promote option is wrong: an unknown Argo version or serving mode, a namespace that is not DNS-1123, an artifacts URI that is not s3://bucket/prefix, a canary share outside 0–100. The message lists every bad option.',
  },
  DEPLOY_INVALID_BUNDLE: {
    status: 500,
    description:
      'A rendered object fails its own checks (Pod Security restricted, typed-model validation, cross-references); nothing is written.',
  },
  DEPLOY_NOT_RENDERED: {
    status: 400,
    description:
      'The Git working copy given to `deploy promote` has no rendered serving manifest to change; render the bundle into it first.',
  },
  DEPLOY_GIT_FAILED: {
    status: 500,
    description: 'A git command of a GitOps promotion failed; the message carries git’s own error.',
  },
});

/** One of the codes in {@link DEPLOY_ERRORS}. */
export type DeployErrorCode = keyof typeof DEPLOY_ERRORS;

/**
 * An error of `deploy/`.
 * @example throw new DeployError('DEPLOY_INVALID_OPTIONS', 'serving: must be kserve-serverless, …', { field: 'serving' });
 */
export class DeployError extends BookmlError {
  declare readonly code: DeployErrorCode;
  constructor(code: DeployErrorCode, message: string, options: CatalogueErrorOptions = {}) {
    super(DEPLOY_ERRORS[code], message, options);
    this.name = 'DeployError';
  }
}
