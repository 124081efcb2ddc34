import type { Command } from 'commander';

/**
 * `bookml step <task> --pipeline P [--param k=v]… [--artifact k=path]… --outputs DIR`: one pipeline step,
 * what an Argo container runs (the compiler writes exactly these arguments). It loads only the step
 * runner, the pipeline catalogue and the step runtime — local on the workspace, or remote on the control
 * plane when `BOOKML_API_URL` is set — never the compiler, the engine, the server or the UI. Exits 0,
 * 1 (failed, retryable) or 2 (failed, not retryable: bad data, a failed gate).
 */
export function registerStepCommand(program: Command): void {
  program
    .command('step <task>')
    .description('run one pipeline step (what a compiled Argo container runs)')
    .argument(
      '[flags...]',
      '--pipeline P [--run R] [--param name=value]… [--artifact name=path]… --outputs DIR [--no-cache]',
    )
    .allowUnknownOption()
    .helpOption('-h, --help')
    .action(async (task: string, rest: string[]) => {
      const { parseStepArgs, STEP_EXIT_CODES, catalogUrl, loadCatalog, runStepInvocation } = await import(
        '../../pipeline/runner/index.js'
      );
      const { systemClock } = await import('../../core/index.js');
      let close = async () => {};
      try {
        const inv = parseStepArgs([task, ...rest]);
        const ref = process.env.BOOKML_PIPELINES ?? new URL('../../pipelines/index.js', import.meta.url).href;
        const [catalog, { openStepRuntime }] = await Promise.all([
          loadCatalog(catalogUrl(ref)),
          import('../../app/index.js'),
        ]);
        const runtime = await openStepRuntime({ env: process.env, clock: systemClock });
        close = () => runtime.close();
        const abort = new AbortController();
        process.once('SIGTERM', () => abort.abort(new Error('the step was asked to stop')));
        await runStepInvocation(catalog, inv, {
          clock: systemClock,
          services: runtime.services,
          signal: abort.signal,
          attempt: Number(process.env.BOOKML_ATTEMPT ?? 0) || 0,
        });
        process.exitCode = STEP_EXIT_CODES.ok;
      } catch (e) {
        const err = e as { code?: string; message?: string; retryable?: boolean };
        process.stderr.write(`step failed: ${err.code ?? 'STEP_FAILED'}: ${err.message ?? String(e)}\n`);
        const retryable =
          typeof err.retryable === 'boolean' && typeof err.code === 'string' ? err.retryable : true;
        process.exitCode = retryable ? STEP_EXIT_CODES.failed : STEP_EXIT_CODES.nonRetryable;
      } finally {
        await close();
      }
    });
}
