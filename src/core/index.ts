/**
 * Primitives every layer shares: the error base class, the injectable clock, the seeded RNG, the
 * workspace's paths.
 *
 * @example
 * import { BookmlError, Rng, systemClock } from '../core/index.js';
 * const rng = new Rng(42);
 * const pick = rng.int(10);
 * throw new BookmlError('DATA_BAD_ROW', 'line 3: book_id is empty', { field: 'book_id' });
 */

export type { Clock, Timer, TimerOptions } from './clock.js';
export { ManualClock, systemClock } from './clock.js';
export type { CodeVersion } from './code-version.js';
export { codeVersion } from './code-version.js';
export type { BookmlErrorOptions } from './errors.js';
export { BookmlError, isBookmlError } from './errors.js';
export type { AttemptPhase, NodePhase, RunPhase } from './phases.js';
export {
  ATTEMPT_PHASES,
  isTerminalNodePhase,
  isTerminalRunPhase,
  NODE_PHASES,
  RUN_PHASES,
} from './phases.js';
export { Rng } from './rng.js';
export type { Workspace } from './workspace.js';
export { resolveWorkspace } from './workspace.js';
