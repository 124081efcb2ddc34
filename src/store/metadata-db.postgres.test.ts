import { metadataDbContract } from './metadata-db.contract.js';
import { createTestDatabase, probePostgres } from './test-databases.js';

// Probe first: with no server the suite is skipped with the reason in its title, never failed.
const unreachable = await probePostgres();

metadataDbContract('metadata db: postgres', () => createTestDatabase('postgres'), unreachable);
