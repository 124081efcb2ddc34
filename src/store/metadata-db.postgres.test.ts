import { createTestDatabase, probePostgres } from './index.js';
import { metadataDbContract } from './metadata-db.contract.js';

// Probe first: with no server the suite is skipped with the reason in its title, never failed.
const unreachable = await probePostgres();

metadataDbContract('metadata db: postgres', () => createTestDatabase('postgres'), unreachable);
