import type { Command } from 'commander';
import { registerApiCommand } from './api.js';
import { registerDataCommands } from './data.js';
import { registerDemoCommands } from './demo.js';
import { registerDeployCommands } from './deploy.js';
import { registerDriftCommands } from './drift.js';
import { registerEvalCommand } from './eval.js';
import { registerEventsCommands } from './events.js';
import { registerHistoryCommands } from './history.js';
import { registerLineageCommand } from './lineage.js';
import { registerModelCommands } from './model.js';
import { registerMonitorCommand } from './monitor.js';
import { registerPipelineCommands } from './pipeline.js';
import { registerRecommendCommand } from './recommend.js';
import { registerRunCommands } from './run.js';
import { registerScheduleCommands } from './schedule.js';
import { registerServeCommand } from './serve.js';
import { registerStepCommand } from './step.js';
import { registerTrainCommand } from './train.js';
import { registerTuneCommand } from './tune.js';
import { registerUpCommand } from './up.js';

/** Every command module: a function that adds its commands to the program. */
export const commandModules: Array<(program: Command) => void> = [
  registerDataCommands,
  registerTrainCommand,
  registerEvalCommand,
  registerTuneCommand,
  registerRecommendCommand,
  registerHistoryCommands,
  registerRunCommands,
  registerStepCommand,
  registerLineageCommand,
  registerServeCommand,
  registerPipelineCommands,
  registerModelCommands,
  registerApiCommand,
  registerMonitorCommand,
  registerUpCommand,
  registerScheduleCommands,
  registerEventsCommands,
  registerDriftCommands,
  registerDemoCommands,
  registerDeployCommands,
];
