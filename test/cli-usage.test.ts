import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuiltResult, hasBuiltBin, runBuilt } from './fixtures/cli.js';

/**
 * Usage errors through the built `bookml` binary: a command line that cannot be parsed — a flag
 * value of the wrong type, an unknown command or option, a missing or extra argument — is one
 * `CLI_USAGE` line naming the flag and the command's help, exit 2; help and version exit 0.
 */
describe.skipIf(!hasBuiltBin)('bookml usage errors (built binary)', () => {
  let home: string;
  const bookml = (...args: string[]): BuiltResult => runBuilt(args, { home });

  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'bookml-usage-'));
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it.each([
    [['train', '-k', 'abc'], '--k', '--k must be an integer, got "abc" (see bookml train --help)'],
    [['nosuchcommand'], 'command', "unknown command 'nosuchcommand' (see bookml --help)"],
    [
      ['data', 'generate', '--books', 'abc'],
      '--books',
      '--books must be an integer, got "abc" (see bookml data generate --help)',
    ],
    [['train', '--alpha', 'x'], '--alpha', '--alpha must be a number, got "x" (see bookml train --help)'],
    [
      ['train', '--nope'],
      '--nope',
      "unknown option '--nope' (Did you mean --home?) (see bookml train --help)",
    ],
    [['model', 'get'], 'model', "missing required argument 'model' (see bookml model get --help)"],
    [
      ['model', 'get', 'a', 'b'],
      undefined,
      "too many arguments for 'get'. Expected 1 argument but got 2. (see bookml model get --help)",
    ],
  ])('%j → CLI_USAGE naming %s, exit 2', (args, field, message) => {
    const human = bookml(...args);
    expect(human.status).toBe(2);
    expect(human.stderr).toBe(`error CLI_USAGE: ${message}\n`);
    expect(human.stdout).toBe('');
    const json = bookml(...args, '--json');
    expect(json.status).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({
      error: { code: 'CLI_USAGE', message, ...(field ? { field } : {}) },
    });
  });

  it('--help and --version still exit 0', () => {
    for (const args of [['--help'], ['train', '--help'], ['help', 'model'], ['--version']]) {
      const r = bookml(...args);
      expect(r.status, args.join(' ')).toBe(0);
      expect(r.stdout).not.toBe('');
      expect(r.stderr).toBe('');
    }
  });

  it('a failure on the input keeps its own code and exit 2', () => {
    const r = bookml('recommend', '--book', '1', '--model', join(home, 'none'), '--json');
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'MODEL_BUNDLE_NOT_FOUND', field: 'model' });
  });
});
