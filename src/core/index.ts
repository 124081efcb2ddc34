/**
 * Primitives every layer shares: the error base class, error catalogues and the HTTP error mapper,
 * what every HTTP server bookml runs applies (a nesting-guarded JSON parser, timeouts, a connection
 * cap per client address), the injectable clock, the seeded RNG, the workspace's paths.
 *
 * @example
 * import { BookmlError, defineErrors, Rng } from '../core/index.js';
 * const rng = new Rng(42);
 * const pick = rng.int(10);
 * const DEMO_ERRORS = defineErrors('DEMO', { DEMO_EMPTY: { status: 400, description: 'A field is empty.' } });
 * throw new BookmlError(DEMO_ERRORS.DEMO_EMPTY, 'line 3: book_id is empty', { field: 'book_id' });
 */

export type { Clock, Timer, TimerOptions } from './clock.js';
export { ManualClock, systemClock } from './clock.js';
export type { CodeVersion } from './code-version.js';
export { codeVersion } from './code-version.js';
export type { ErrorCatalogue, ErrorEntry, ErrorSpec } from './error-catalogue.js';
export { defineErrors } from './error-catalogue.js';
export type { BookmlErrorOptions, CatalogueErrorOptions } from './errors.js';
export { BookmlError, isBookmlError } from './errors.js';
export type {
  HttpErrorAnswer,
  HttpErrorBody,
  HttpErrorHandlerOptions,
  HttpErrorSurface,
} from './http-error.js';
export { httpErrorHandler, httpNotFoundHandler, toHttpError } from './http-error.js';
export type { GuardedJsonParserOptions } from './http-json.js';
export { guardedJsonParser, jsonNestingExceeds, MAX_JSON_DEPTH, valueNestingExceeds } from './http-json.js';
export type { ConnectionLimiter, HttpClientErrorCodes, HttpServerLimits } from './http-server-limits.js';
export {
  httpClientErrorHandler,
  httpTimeoutOptions,
  limitConnectionsPerAddress,
} from './http-server-limits.js';
export type { OpenApiRoute, OpenApiSurface } from './openapi.js';
export { openApiCollector } from './openapi.js';
export type { AttemptPhase, NodePhase, RunPhase } from './phases.js';
export {
  ATTEMPT_PHASES,
  isTerminalNodePhase,
  isTerminalRunPhase,
  NODE_PHASES,
  RUN_PHASES,
} from './phases.js';
export { Rng } from './rng.js';
export { workerScript } from './worker-script.js';
export type { Workspace } from './workspace.js';
export { resolveWorkspace } from './workspace.js';
