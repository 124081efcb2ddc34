import { createTestDatabase, probePostgres } from '../store/test-databases.js';
import { triggerStoreContract } from './trigger-store.contract.js';

// Probe first: with no server the suite is skipped with the reason in its title, never failed.
const unreachable = await probePostgres();

triggerStoreContract('trigger store: postgres', () => createTestDatabase('postgres'), unreachable);
