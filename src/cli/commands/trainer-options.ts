import { type Command, Option } from 'commander';
import type { TrainParamsInput } from '../../model/index.js';
import { intOption, numberOption } from '../context.js';

/**
 * The trainer's options as flags, in one table that `train`, `eval` and `tune` all read, so the three
 * commands cannot drift apart: a new model option is one row here (its parameter name in
 * `model/`'s schema, its flag, its parser) and every command takes it. No commander defaults: an option
 * not given is left to the schema's default (`train`, `eval`) or to the search (`tune`).
 */
interface TrainerOption {
  /** The parameter in `trainParamsSchema`. */
  readonly param: keyof TrainParamsInput & string;
  /** The flag, with its value placeholder. `neighbours` is spelled per command (see below). */
  readonly flags: string;
  readonly description: string;
  /** The trainer's default, as help shows it. */
  readonly dflt: string;
  readonly parse?: (value: string) => unknown;
  readonly choices?: readonly string[];
}

export const TRAINER_OPTIONS: readonly TrainerOption[] = [
  {
    param: 'similarity',
    flags: '--similarity <name>',
    description: 'cosine | jaccard | lift | conditional',
    dflt: 'cosine',
    choices: ['cosine', 'jaccard', 'lift', 'conditional'],
  },
  {
    param: 'unit',
    flags: '--unit <unit>',
    description: 'matrix rows: customer | basket',
    dflt: 'customer',
    choices: ['customer', 'basket'],
  },
  {
    param: 'alpha',
    flags: '--alpha <a>',
    description: 'conditional: popularity damping of the neighbour (0..1)',
    dflt: '0.5',
    parse: numberOption('--alpha'),
  },
  {
    param: 'shrinkage',
    flags: '--shrinkage <lambda>',
    description: 'damp rare pairs: score × co/(co+λ)',
    dflt: '0',
    parse: numberOption('--shrinkage'),
  },
  {
    param: 'minCoCount',
    flags: '--min-co-count <n>',
    description: 'drop pairs co-bought by fewer rows',
    dflt: '1',
    parse: intOption('--min-co-count'),
  },
  {
    param: 'heavyBuyerBeta',
    flags: '--heavy-buyer-beta <b>',
    description: 'down-weight heavy buyers: 1/log2(2+items)^β',
    dflt: '0, off',
    parse: numberOption('--heavy-buyer-beta'),
  },
  {
    param: 'halfLifeDays',
    flags: '--half-life-days <d>',
    description: 'time decay: weight halves every d days before the newest purchase',
    dflt: 'off',
    parse: numberOption('--half-life-days'),
  },
  {
    param: 'decayReference',
    flags: '--decay-reference <ref>',
    description: "what a purchase's age counts from: global (newest purchase) or customer (their own newest)",
    dflt: 'global',
    choices: ['global', 'customer'],
  },
  {
    param: 'popularityBeta',
    flags: '--popularity-beta <b>',
    description: "popularity penalty (RP3beta): divide each score by the neighbour's buyers^β",
    dflt: '0, off',
    parse: numberOption('--popularity-beta'),
  },
  {
    param: 'family',
    flags: '--family <name>',
    description: 'model family: knn (item-kNN similarities) or ease (closed-form ridge item-item weights)',
    dflt: 'knn',
    choices: ['knn', 'ease'],
  },
  {
    param: 'easeLambda',
    flags: '--ease-lambda <l>',
    description: "EASE's ridge penalty λ (with --family ease)",
    dflt: '250',
    parse: numberOption('--ease-lambda'),
  },
];

/**
 * How the neighbours kept per book are spelled: `train` has always said `-k` (its only k), `eval` and
 * `tune` use `-k` for the list length scored, so there it is `--neighbours`.
 */
export type NeighboursFlag = '-k, --k <n>' | '--neighbours <n>';

/**
 * Add every trainer option (and the neighbours flag) to `cmd`. With `pinned` (tune), an option given
 * fixes it for every trial and an option left out is searched, so help says that instead of a default.
 */
export function addTrainerOptions(
  cmd: Command,
  neighbours: NeighboursFlag,
  opts: { pinned?: boolean } = {},
): Command {
  const key = neighbours === '--neighbours <n>' ? '--neighbours' : '--k';
  const help = (description: string, dflt: string) =>
    opts.pinned ? `${description} (pins it; searched when not given)` : `${description} (default ${dflt})`;
  cmd.addOption(new Option(neighbours, help('neighbours kept per book', '20')).argParser(intOption(key)));
  for (const o of TRAINER_OPTIONS) {
    const opt = new Option(o.flags, help(o.description, o.dflt));
    if (o.choices) opt.choices(o.choices);
    if (o.parse) opt.argParser(o.parse as (v: string) => unknown);
    cmd.addOption(opt);
  }
  return cmd;
}

/**
 * The trainer parameters the user gave, by schema name; options not given are absent (not undefined),
 * so the result can be handed to the trainer (schema defaults fill the rest) or pinned in a search.
 */
export function trainerParams(
  flags: Record<string, unknown>,
  neighbours: NeighboursFlag,
): Partial<TrainParamsInput> {
  const out: Record<string, unknown> = {};
  const k = neighbours === '--neighbours <n>' ? flags.neighbours : flags.k;
  if (k !== undefined) out.k = k;
  for (const o of TRAINER_OPTIONS) {
    const v = flags[camel(o.flags)];
    if (v !== undefined) out[o.param] = v;
  }
  return out as Partial<TrainParamsInput>;
}

/** Commander's attribute name of a long flag: `--min-co-count <n>` → `minCoCount`. */
function camel(flags: string): string {
  const long = flags.split(/[ ,]+/).find((f) => f.startsWith('--')) ?? '';
  return long.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
