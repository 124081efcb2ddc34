import type { Database } from '../store/index.js';

// The store owns the schema; the registry names the tables it reads through the one exported type.
export type ModelsRow = Database['models'];
export type ModelVersionsRow = Database['model_versions'];
export type AliasEventsRow = Database['alias_events'];
export type ApprovalsRow = Database['approvals'];
export type RegistryEventsRow = Database['registry_events'];
