import type { Clock } from '../core/index.js';
import type { StepCodeVersion, StepRuntime } from '../pipeline/index.js';

/** Options of {@link openRemoteRuntime}. */
export interface RemoteRuntimeOptions {
  url: string;
  token?: string | undefined;
  clock: Clock;
  codeVersion: StepCodeVersion;
  cacheDir: string;
}

/** Placeholder until the control-plane client lands: the remote runtime over `/api/v1`. */
export async function openRemoteRuntime(options: RemoteRuntimeOptions): Promise<StepRuntime> {
  throw new Error(`the remote step runtime (${options.url}) is not built yet`);
}
