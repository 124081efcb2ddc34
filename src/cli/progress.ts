import cliProgress from 'cli-progress';

/** Progress callback shape used by long-running library calls: `done` of `total` units. */
export type OnProgress = (done: number, total: number) => void;

/**
 * A progress bar on stderr when it is a terminal and `--json` is off; otherwise silent,
 * so piped output and machine output stay clean.
 */
export function progressBar(
  label: string,
  opts: { json?: boolean; unit?: string } = {},
): {
  update: OnProgress;
  stop: () => void;
} {
  if (opts.json || !process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} ${opts.unit ?? ''} | {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, done);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
