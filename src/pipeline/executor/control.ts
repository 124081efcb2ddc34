/**
 * Stop and terminate requests travel to the executor on the metadata store's durable event log (topic
 * {@link CONTROL_TOPIC}), so they reach it whether it is running now or starts later (Argo keeps the same
 * request in the workflow's `spec.shutdown`).
 */

/** The event-log topic of run control requests. */
export const CONTROL_TOPIC = 'run.control';

/**
 * A request about a run. `stop`: start nothing new, let running steps finish, run the exit handler.
 * `terminate`: kill running steps now; the exit handler does not run.
 */
export interface RunControl {
  runId: string;
  action: 'stop' | 'terminate';
  message?: string;
}
