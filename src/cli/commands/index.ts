// The `ddlocal` subcommands besides `serve` and `iot`: each lives in its own module of this folder and registers
// itself on the commander program. A registration only declares the command; its work (and anything heavy it needs,
// such as the AWS SDK) is imported when it runs, so `ddlocal --help` stays fast.
import type { Command } from 'commander';

export type CommandRegistration = (program: Command) => void;

export const COMMANDS: CommandRegistration[] = [];
