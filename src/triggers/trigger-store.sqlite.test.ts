import { createTestDatabase } from '../store/test-databases.js';
import { triggerStoreContract } from './trigger-store.contract.js';

triggerStoreContract('trigger store: sqlite', () => createTestDatabase('sqlite'));
