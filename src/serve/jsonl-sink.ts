import { type FileHandle, mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { type Clock, systemClock } from '../core/index.js';
import type { PredictionBatch, PredictionSink } from './prediction-log.js';

/**
 * A prediction sink that appends JSON lines to `DIR/predictions-YYYY-MM-DD.jsonl` (UTC day of the
 * write), one file per day. The day's file stays open in append mode, so a batch costs one write
 * on libuv's thread pool (no open/close per batch); it is reopened when the day changes.
 *
 * @example
 * const sink = jsonlFileSink(join(ws.root, 'predictions'));
 */
export function jsonlFileSink(
  dir: string,
  clock: Clock = systemClock,
): PredictionSink & { readonly dir: string } {
  let handle: FileHandle | null = null;
  let openDay = '';
  return {
    dir,
    async write(batch: PredictionBatch): Promise<void> {
      if (batch.length === 0) return;
      const day = new Date(clock.now()).toISOString().slice(0, 10);
      if (handle === null || day !== openDay) {
        await handle?.close();
        handle = null;
        await mkdir(dir, { recursive: true });
        handle = await open(join(dir, `predictions-${day}.jsonl`), 'a');
        openDay = day;
      }
      // writeFile loops until every byte is written (a plain write may be partial).
      await handle.writeFile(batch.jsonLines());
    },
    async close(): Promise<void> {
      await handle?.close();
      handle = null;
    },
  };
}
