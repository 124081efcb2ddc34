import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Workspace } from '../core/index.js';
import { parseMapping } from '../data/index.js';
import { AppError } from './errors.js';

/**
 * Where exports come from: a name, the column mapping and the date format of the files a webhook names.
 * Stored once per workspace (`bookml events source add`), so a webhook body only says which file is
 * ready; the `dataset-ready` sensor hands the mapping to the pipeline with the file.
 */
export interface EventSource {
  readonly name: string;
  /** `customer=…,item=…,time=…` (see `bookml data import --map`). */
  readonly map: string;
  /** How the time column is written. @default 'iso' */
  readonly dateFormat: string;
}

const FILE = 'event-sources.json';
const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

function pathOf(ws: Workspace): string {
  return join(ws.root, FILE);
}

/** Every stored source, by name. */
export function listEventSources(ws: Workspace): EventSource[] {
  const path = pathOf(ws);
  if (!existsSync(path)) return [];
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, { map: string; dateFormat?: string }>;
  return Object.entries(raw)
    .map(([name, s]) => ({ name, map: s.map, dateFormat: s.dateFormat ?? 'iso' }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Store (or replace) a source, validating its mapping now rather than when a webhook arrives.
 * @example saveEventSource(ws, { name: 'default', map: 'customer=user,item=sku,time=ts', dateFormat: 'iso' });
 */
export function saveEventSource(ws: Workspace, source: EventSource): EventSource {
  if (!NAME.test(source.name)) {
    throw new AppError(
      'APP_CONFIG_INVALID',
      `source name "${source.name}" must be lowercase letters, digits and "-"`,
      {
        field: 'name',
      },
    );
  }
  parseMapping(source.map);
  const all = Object.fromEntries(
    listEventSources(ws).map((s) => [s.name, { map: s.map, dateFormat: s.dateFormat }]),
  );
  all[source.name] = { map: source.map, dateFormat: source.dateFormat };
  const path = pathOf(ws);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, `${JSON.stringify(all, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
  return source;
}

/** The source a webhook's files are read with: `default`, else the only one stored, else none. */
export function webhookSource(ws: Workspace): EventSource | undefined {
  const all = listEventSources(ws);
  return all.find((s) => s.name === 'default') ?? (all.length === 1 ? all[0] : undefined);
}
