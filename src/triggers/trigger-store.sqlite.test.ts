import { createTestDatabase } from '../store/index.js';
import { triggerStoreContract } from './trigger-store.contract.js';

triggerStoreContract('trigger store: sqlite', () => createTestDatabase('sqlite'));
