import { join } from 'node:path';
import type { PredictionCursor } from '../store/predictions/index.js';
import type { DriftMonitorSettings } from './drift-monitor-options.js';
import type { DriftEventPayload } from './drift-status.js';
import { FeatureWindow } from './feature-window.js';
import { MONITOR_FILES, readJson, writeJsonAtomic } from './monitor-files.js';

/** An event detected and not yet published: retried with the same dedupe key. */
export interface PendingEvent {
  payload: DriftEventPayload;
  key: string;
}

/** What a restarted monitor continues from: its windows, where it stood in the log, its events. */
export interface MonitorState {
  version: string | null;
  referenceKind: 'traffic' | 'training';
  reference: FeatureWindow;
  test: FeatureWindow;
  cursor: PredictionCursor;
  /** Events detected for this version so far: the dedupe key's counter. */
  eventsForVersion: number;
  /** Epoch ms; null when no cool-down runs. */
  cooldownUntil: number | null;
  events: DriftEventPayload[];
  pending: PendingEvent | null;
}

/** `state.json` as written. */
interface SavedState {
  schema: 1;
  model: string;
  version: string | null;
  reference_kind: 'traffic' | 'training';
  reference: unknown;
  test: unknown;
  cursor: PredictionCursor;
  events_for_version: number;
  cooldown_until: number | null;
  events: DriftEventPayload[];
  pending: PendingEvent | null;
}

/**
 * The state saved under `monitorDir` for this model, or null when there is none or it is unusable
 * (another model, another layout: the monitor starts afresh). Windows are resized to `settings`.
 */
export async function loadMonitorState(
  monitorDir: string,
  settings: Pick<DriftMonitorSettings, 'model' | 'referenceSize' | 'testRecords' | 'maxEvents'>,
): Promise<MonitorState | null> {
  const saved = (await readJson(join(monitorDir, MONITOR_FILES.state))) as SavedState | null;
  if (saved === null || typeof saved !== 'object' || saved.schema !== 1 || saved.model !== settings.model)
    return null;
  const reference = FeatureWindow.fromJSON(saved.reference, settings.referenceSize);
  const test = FeatureWindow.fromJSON(saved.test, settings.testRecords);
  if (reference === null || test === null || typeof saved.cursor !== 'object' || saved.cursor === null)
    return null;
  return {
    version: typeof saved.version === 'string' ? saved.version : null,
    referenceKind: saved.reference_kind === 'training' ? 'training' : 'traffic',
    reference,
    test,
    cursor: saved.cursor,
    eventsForVersion: Number.isSafeInteger(saved.events_for_version) ? saved.events_for_version : 0,
    cooldownUntil: typeof saved.cooldown_until === 'number' ? saved.cooldown_until : null,
    events: Array.isArray(saved.events) ? saved.events.slice(-settings.maxEvents) : [],
    pending: saved.pending ?? null,
  };
}

/** Save the state atomically (`MONITOR_IO` when the disk refuses). */
export async function saveMonitorState(
  monitorDir: string,
  model: string,
  state: MonitorState,
): Promise<void> {
  const saved: SavedState = {
    schema: 1,
    model,
    version: state.version,
    reference_kind: state.referenceKind,
    reference: state.reference.toJSON(),
    test: state.test.toJSON(),
    cursor: state.cursor,
    events_for_version: state.eventsForVersion,
    cooldown_until: state.cooldownUntil,
    events: state.events,
    pending: state.pending,
  };
  await writeJsonAtomic(join(monitorDir, MONITOR_FILES.state), saved);
}
