import { createTestDatabase, probePostgres } from '../test-databases.js';
import { onlineStoreContract } from './online-store.contract.js';
import { dbHarness } from './online-store.harness.js';

// Probe first: with no server the suite is skipped with the reason in its title, never failed.
const unreachable = await probePostgres();

onlineStoreContract(
  'online store contract: postgres',
  () => dbHarness(createTestDatabase('postgres')),
  unreachable,
);
