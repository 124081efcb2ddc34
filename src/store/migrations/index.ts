/**
 * The metadata schema's one migration history, in order. Names are `NNNN-what`; the number is the
 * schema version it brings the database to. Append only: never edit or rename a shipped migration.
 *
 * @example
 * import { MIGRATIONS } from './migrations/index.js';
 * const latest = Object.keys(MIGRATIONS).at(-1); // '0001-initial'
 */
import { m0001Initial } from './0001-initial.js';
import { m0002Webhook } from './0002-webhook.js';
import { m0003Schedules } from './0003-schedules.js';
import { m0005RegistryIntegrity } from './0005-registry-integrity.js';
import { m0006RunLeases } from './0006-run-leases.js';
import { m0007Predictions } from './0007-predictions.js';
import { m0008OnlineHistories } from './0008-online-histories.js';
import type { StoreMigration } from './migration.js';

export type { MigrationContext, StoreMigration } from './migration.js';

/** Every migration by name, oldest first. */
export const MIGRATIONS: Readonly<Record<string, StoreMigration>> = Object.freeze({
  '0001-initial': m0001Initial,
  '0002-webhook': m0002Webhook,
  '0003-schedules': m0003Schedules,
  '0005-registry-integrity': m0005RegistryIntegrity,
  '0006-run-leases': m0006RunLeases,
  '0007-predictions': m0007Predictions,
  '0008-online-histories': m0008OnlineHistories,
});
