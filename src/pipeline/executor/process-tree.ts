/**
 * Signals to whole process trees. Steps are spawned detached, so each is the leader of its own process
 * group and `kill(-pid)` reaches everything it started (a training script's workers, a `sleep`).
 */

/** Sends `signal` to the process group led by `pid`; false when the group is already gone. */
export function killProcessGroup(pid: number, signal: NodeJS.Signals = 'SIGKILL'): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    try {
      // Not a group leader (spawned without `detached`): the process alone.
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

/** Whether a process with this pid exists (signal 0 probes without sending). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
