import { metadataDbContract } from './metadata-db.contract.js';
import { createTestDatabase } from './test-databases.js';

metadataDbContract('metadata db: sqlite', () => createTestDatabase('sqlite'));
