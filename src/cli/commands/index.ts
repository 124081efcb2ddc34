import type { Command } from 'commander';
import { registerDataCommands } from './data.js';
import { registerEvalCommand } from './eval.js';
import { registerRecommendCommand } from './recommend.js';
import { registerTrainCommand } from './train.js';

/** Every command module: a function that adds its commands to the program. */
export const commandModules: Array<(program: Command) => void> = [
  registerDataCommands,
  registerTrainCommand,
  registerEvalCommand,
  registerRecommendCommand,
];
