// The `ddlocal` subcommands besides `serve` and `iot`: each lives in its own module of this folder and registers
// itself on the commander program. A registration only declares the command; its work (and anything heavy it needs,
// such as the AWS SDK) is imported when it runs, so `ddlocal --help` stays fast.
import type { Command } from 'commander';
import { registerClock } from './clock.js';
import { registerPreview } from './preview.js';
import { registerReset } from './reset.js';
import { registerUndo } from './undo.js';
import { registerImport } from './import.js';
import { registerExport } from './export.js';
import { registerReport } from './report.js';
import { registerCompletion } from './completion.js';

export type CommandRegistration = (program: Command) => void;

export const COMMANDS: CommandRegistration[] = [
  registerReset,
  registerClock,
  registerPreview,
  registerUndo,
  registerImport,
  registerExport,
  registerReport,
  registerCompletion,
];
