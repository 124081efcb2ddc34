import { isBookmlError } from '../core/index.js';

/** Print a command's result: JSON when asked, else the human rendering. */
export function emit<T>(result: T, json: boolean | undefined, render: (r: T) => string): void {
  process.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : `${render(result)}\n`);
}

/** Render rows as an aligned text table. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((v, c) => (typeof rows[0]?.[c] === 'number' ? v.padStart(widths[c]) : v.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(cells[0]), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)].join('\n');
}

/**
 * Print a failure as one line with its code (or JSON with `--json`) and set the exit code its
 * catalogue entry gives (2: fix the input; 1: a failure on bookml's side or an unexpected error).
 * Stacks only under `--debug`.
 */
export function reportFailure(err: unknown, opts: { json?: boolean; debug?: boolean }): void {
  const body = isBookmlError(err)
    ? err.toJSON()
    : { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
  if (opts.json) process.stdout.write(`${JSON.stringify({ error: body })}\n`);
  else process.stderr.write(`error ${body.code}: ${body.message}\n`);
  if (opts.debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  process.exitCode = isBookmlError(err) ? err.exitCode : 1;
}
