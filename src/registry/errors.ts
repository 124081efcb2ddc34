import { BookmlError } from '../core/index.js';

/**
 * Every error the registry raises, by code: its HTTP status and whether retrying can help.
 * Match on `code`, never on message text. The MLflow routes map these onto MLflow's error codes.
 */
export const REGISTRY_ERRORS = {
  /** A model, alias, tag or field value is malformed. */
  REGISTRY_INVALID_INPUT: { code: 'REGISTRY_INVALID_INPUT', status: 400, retryable: false },
  /** The model policy given to `setPolicy` does not validate. */
  REGISTRY_POLICY_INVALID: { code: 'REGISTRY_POLICY_INVALID', status: 400, retryable: false },
  /** No registered model with that name. */
  REGISTRY_MODEL_NOT_FOUND: { code: 'REGISTRY_MODEL_NOT_FOUND', status: 404, retryable: false },
  /** A registered model with that name already exists. */
  REGISTRY_MODEL_EXISTS: { code: 'REGISTRY_MODEL_EXISTS', status: 409, retryable: false },
  /** No such version of the model. */
  REGISTRY_VERSION_NOT_FOUND: { code: 'REGISTRY_VERSION_NOT_FOUND', status: 404, retryable: false },
  /** The alias does not point at any version of the model. */
  REGISTRY_ALIAS_NOT_FOUND: { code: 'REGISTRY_ALIAS_NOT_FOUND', status: 404, retryable: false },
  /** A gate failed: the alias did not move. The message names the gate and its numbers. */
  REGISTRY_GATE_FAILED: { code: 'REGISTRY_GATE_FAILED', status: 422, retryable: false },
  /** The alias needs an approval by an approver; a pending request was recorded. */
  REGISTRY_APPROVAL_REQUIRED: { code: 'REGISTRY_APPROVAL_REQUIRED', status: 403, retryable: false },
  /** The actor lacks the role the action needs. */
  REGISTRY_FORBIDDEN: { code: 'REGISTRY_FORBIDDEN', status: 403, retryable: false },
  /** The alias's rule forbids the author of the producing run from approving it. */
  REGISTRY_APPROVER_IS_AUTHOR: { code: 'REGISTRY_APPROVER_IS_AUTHOR', status: 403, retryable: false },
  /** Rollback found no earlier version the alias pointed at. */
  REGISTRY_NO_ROLLBACK_TARGET: { code: 'REGISTRY_NO_ROLLBACK_TARGET', status: 409, retryable: false },
  /** The referenced pipeline run or tracking run does not exist. */
  REGISTRY_RUN_NOT_FOUND: { code: 'REGISTRY_RUN_NOT_FOUND', status: 404, retryable: false },
  /** No tracking experiment with that id or name. */
  REGISTRY_EXPERIMENT_NOT_FOUND: { code: 'REGISTRY_EXPERIMENT_NOT_FOUND', status: 404, retryable: false },
  /** A tracking experiment with that name already exists. */
  REGISTRY_EXPERIMENT_EXISTS: { code: 'REGISTRY_EXPERIMENT_EXISTS', status: 409, retryable: false },
  /** A run parameter was logged again with a different value (parameters are write-once). */
  REGISTRY_PARAM_CONFLICT: { code: 'REGISTRY_PARAM_CONFLICT', status: 400, retryable: false },
  /** The tracking run is deleted; restore it before logging to it. */
  REGISTRY_RUN_DELETED: { code: 'REGISTRY_RUN_DELETED', status: 409, retryable: false },
} as const;

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
    options: { field?: string; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    const entry = REGISTRY_ERRORS[code];
    super(code, message, {
      field: options.field,
      status: entry.status,
      retryable: entry.retryable,
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
