import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isBookmlError } from '../../core/index.js';

/** MLflow's error codes and their HTTP statuses (`ERROR_CODE_TO_HTTP_STATUS` in mlflow/exceptions.py). */
export const MLFLOW_STATUS = {
  INVALID_PARAMETER_VALUE: 400,
  BAD_REQUEST: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  RESOURCE_CONFLICT: 409,
  INVALID_STATE: 500,
  INTERNAL_ERROR: 500,
  NOT_IMPLEMENTED: 501,
  TEMPORARILY_UNAVAILABLE: 503,
} as const;

/** One of MLflow's error codes. */
export type MlflowErrorCode = keyof typeof MLFLOW_STATUS;

// bookml code → MLflow code. Gates answer INVALID_PARAMETER_VALUE, a missing approval PERMISSION_DENIED
// (the spec's rule for alias moves through bookml's gates).
const MAP: Record<string, MlflowErrorCode> = {
  REGISTRY_INVALID_INPUT: 'INVALID_PARAMETER_VALUE',
  REGISTRY_POLICY_INVALID: 'INVALID_PARAMETER_VALUE',
  REGISTRY_PARAM_CONFLICT: 'INVALID_PARAMETER_VALUE',
  REGISTRY_GATE_FAILED: 'INVALID_PARAMETER_VALUE',
  REGISTRY_NO_ROLLBACK_TARGET: 'INVALID_PARAMETER_VALUE',
  REGISTRY_MODEL_NOT_FOUND: 'RESOURCE_DOES_NOT_EXIST',
  REGISTRY_VERSION_NOT_FOUND: 'RESOURCE_DOES_NOT_EXIST',
  REGISTRY_ALIAS_NOT_FOUND: 'RESOURCE_DOES_NOT_EXIST',
  REGISTRY_RUN_NOT_FOUND: 'RESOURCE_DOES_NOT_EXIST',
  REGISTRY_EXPERIMENT_NOT_FOUND: 'RESOURCE_DOES_NOT_EXIST',
  REGISTRY_MODEL_EXISTS: 'RESOURCE_ALREADY_EXISTS',
  REGISTRY_EXPERIMENT_EXISTS: 'RESOURCE_ALREADY_EXISTS',
  REGISTRY_APPROVAL_REQUIRED: 'PERMISSION_DENIED',
  REGISTRY_FORBIDDEN: 'PERMISSION_DENIED',
  REGISTRY_APPROVER_IS_AUTHOR: 'PERMISSION_DENIED',
  REGISTRY_RUN_DELETED: 'INVALID_STATE',
  API_UNAUTHENTICATED: 'UNAUTHENTICATED',
  API_FORBIDDEN: 'PERMISSION_DENIED',
  API_HOST_NOT_ALLOWED: 'PERMISSION_DENIED',
  API_CROSS_SITE_REQUEST: 'PERMISSION_DENIED',
  STORE_CONFLICT: 'RESOURCE_CONFLICT',
  STORE_DB_BUSY: 'TEMPORARILY_UNAVAILABLE',
  STORE_DB_UNAVAILABLE: 'TEMPORARILY_UNAVAILABLE',
};

/** Sends `{error_code, message}` with MLflow's status. */
export function sendMlflowError(reply: FastifyReply, code: MlflowErrorCode, message: string): void {
  void reply.code(MLFLOW_STATUS[code]).send({ error_code: code, message });
}

/** The MLflow surface's error handler: every failure in MLflow's shape, never a stack. */
export function mlflowErrorHandler(
  err: FastifyError | Error,
  req: FastifyRequest,
  reply: FastifyReply,
): void {
  if (isBookmlError(err)) {
    const code = MAP[err.code] ?? (err.status >= 500 ? 'INTERNAL_ERROR' : 'INVALID_PARAMETER_VALUE');
    if (MLFLOW_STATUS[code] >= 500) req.log.error({ err }, 'mlflow request failed');
    sendMlflowError(reply, code, err.message);
    return;
  }
  const e = err as FastifyError;
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || e.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') {
    sendMlflowError(reply, 'BAD_REQUEST', 'Bad Request. Content-Type must be application/json.');
    return;
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    sendMlflowError(reply, e.statusCode === 404 ? 'ENDPOINT_NOT_FOUND' : 'BAD_REQUEST', e.message);
    return;
  }
  req.log.error({ err }, 'unexpected mlflow error');
  sendMlflowError(reply, 'INTERNAL_ERROR', `internal error (request ${req.id}); see the server log`);
}
