import { BookmlError, type CatalogueErrorOptions, defineErrors } from '../core/index.js';

/**
 * Every error the registry raises, by code. Match on `code`, never on message text. The MLflow
 * routes map these onto MLflow's error codes.
 */
export const REGISTRY_ERRORS = defineErrors('REGISTRY', {
  REGISTRY_INVALID_INPUT: { status: 400, description: 'A model, alias, tag or field value is malformed.' },
  REGISTRY_POLICY_INVALID: {
    status: 400,
    description: 'The model policy given to `setPolicy` does not validate.',
  },
  REGISTRY_MODEL_NOT_FOUND: { status: 404, description: 'No registered model with that name.' },
  REGISTRY_MODEL_EXISTS: { status: 409, description: 'A registered model with that name already exists.' },
  REGISTRY_VERSION_NOT_FOUND: { status: 404, description: 'No such version of the model.' },
  REGISTRY_ALIAS_NOT_FOUND: {
    status: 404,
    description: 'The alias does not point at any version of the model.',
  },
  REGISTRY_GATE_FAILED: {
    status: 422,
    description: 'A gate failed: the alias did not move. The message names the gate and its numbers.',
  },
  REGISTRY_APPROVAL_REQUIRED: {
    status: 403,
    description: 'The alias needs an approval by an approver; a pending request was recorded.',
  },
  REGISTRY_FORBIDDEN: { status: 403, description: 'The actor lacks the role the action needs.' },
  REGISTRY_APPROVER_IS_AUTHOR: {
    status: 403,
    description: "The alias's rule forbids the author of the producing run from approving it.",
  },
  REGISTRY_NO_ROLLBACK_TARGET: {
    status: 409,
    description: 'Rollback found no earlier version the alias pointed at.',
  },
  REGISTRY_RUN_NOT_FOUND: {
    status: 404,
    description: 'The referenced pipeline run or tracking run does not exist.',
  },
  REGISTRY_EXPERIMENT_NOT_FOUND: { status: 404, description: 'No tracking experiment with that id or name.' },
  REGISTRY_EXPERIMENT_EXISTS: {
    status: 409,
    description: 'A tracking experiment with that name already exists.',
  },
  REGISTRY_PARAM_CONFLICT: {
    status: 400,
    description: 'A run parameter was logged again with a different value (parameters are write-once).',
  },
  REGISTRY_RUN_DELETED: {
    status: 409,
    description: 'The tracking run is deleted; restore it before logging to it.',
  },
});

/** One of the codes in {@link REGISTRY_ERRORS}. */
export type RegistryErrorCode = keyof typeof REGISTRY_ERRORS;

/**
 * The registry's error. `details` carries structured data a client can act on (the gate results of
 * a blocked move, the pending approval's id) and is safe to send over HTTP.
 *
 * @example
 * throw new RegistryError('REGISTRY_MODEL_NOT_FOUND', 'no model "x"; list them with `bookml model list`', { field: 'model' });
 */
export class RegistryError extends BookmlError {
  declare readonly code: RegistryErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: RegistryErrorCode,
    message: string,
    options: CatalogueErrorOptions & { details?: Record<string, unknown> } = {},
  ) {
    super(REGISTRY_ERRORS[code], message, {
      field: options.field,
      retryable: options.retryable,
      retryAfterMs: options.retryAfterMs,
      cause: options.cause,
    });
    this.name = 'RegistryError';
    this.details = options.details;
  }

  override toJSON(): { code: string; message: string; field?: string; details?: Record<string, unknown> } {
    const base = super.toJSON();
    return this.details === undefined ? base : { ...base, details: this.details };
  }
}
