import type { Clock } from '../../core/index.js';
import type { DbHandle } from '../../store/index.js';
import type { EventBus } from './event-bus.js';
import type { NatsBusOptions } from './nats-bus.js';
import { TableBus, type TableBusOptions } from './table-bus.js';

/** Options of {@link openEventBus}. */
export interface OpenEventBusOptions {
  /** The metadata database: the table bus's home. */
  db: DbHandle;
  /** `nats://…` (the composition root passes `BOOKML_NATS_URL`): use JetStream instead of the table. */
  natsUrl?: string;
  /** @default db.clock */
  clock?: Clock;
  /** Table-bus tuning. */
  table?: Omit<TableBusOptions, 'db' | 'clock'>;
  /** NATS-bus tuning. */
  nats?: Omit<NatsBusOptions, 'servers' | 'clock'>;
}

/**
 * The configured event bus: NATS JetStream when a NATS URL is given, else the metadata database's
 * event table.
 * @example const bus = await openEventBus({ db: mdb, natsUrl: config.natsUrl });
 */
export async function openEventBus(options: OpenEventBusOptions): Promise<EventBus> {
  const clock = options.clock ?? options.db.clock;
  if (options.natsUrl !== undefined && options.natsUrl !== '') {
    // Loaded only when used: the NATS client is ~100 modules a table-bus process (every step) never needs.
    const { NatsBus } = await import('./nats-bus.js');
    return NatsBus.connect({ ...options.nats, servers: options.natsUrl, clock });
  }
  return new TableBus({ ...options.table, db: options.db, clock });
}
