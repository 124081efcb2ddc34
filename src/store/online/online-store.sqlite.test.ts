import { createTestDatabase } from '../test-databases.js';
import { onlineStoreContract } from './online-store.contract.js';
import { dbHarness } from './online-store.harness.js';

onlineStoreContract('online store contract: sqlite', () => dbHarness(createTestDatabase('sqlite')));
