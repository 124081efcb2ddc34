import { createTestDatabase } from './index.js';
import { metadataDbContract } from './metadata-db.contract.js';

metadataDbContract('metadata db: sqlite', () => createTestDatabase('sqlite'));
