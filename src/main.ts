// The `ddlocal` command. `serve` runs the server; `iot` is the aws-compatible client (`ddlocal iot <command>` takes
// exactly the arguments of `aws iot <command>`, so it parses its own argv rather than going through commander, and
// loads nothing it does not need).

/**
 * The arguments of an `iot` command line, or undefined for any other command. Like `aws --region r iot …`, global
 * options may come before `iot`; they are handed on with the rest (the iot parser reads globals anywhere).
 */
async function iotArguments(args: string[]): Promise<string[] | undefined> {
  if (args[0] === 'iot') return args.slice(1);
  if (!args[0]?.startsWith('--')) return undefined;
  const { globalOptionTakesValue } = await import('./cli/args/globals.js');
  for (let i = 0; i < args.length; i++) {
    const token = args[i]!;
    if (token === 'iot') return [...args.slice(0, i), ...args.slice(i + 1)];
    if (!token.startsWith('--')) return undefined;
    const [name, inline] = token.slice(2).split(/=(.*)/s);
    const takesValue = globalOptionTakesValue(name!);
    if (takesValue === undefined) return undefined;
    if (takesValue && inline === undefined) i++;
  }
  return undefined;
}

async function runIotCommand(argv: string[]): Promise<void> {
  // Node ≥ 22.1 can keep V8's compiled code between runs (most of a request's start-up is compiling the SDK);
  // Node 20 has no such API, and there this line does nothing.
  const { default: nodeModule } = await import('node:module');
  (nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();
  // The plain input-skeleton command lines are answered from the build's pre-rendered table (fast-skeleton.ts).
  const { pregeneratedSkeleton } = await import('./cli/fast-skeleton.js');
  const skeleton = pregeneratedSkeleton(argv, new URL('./cli/', import.meta.url));
  if (skeleton !== undefined) {
    process.stdout.write(skeleton, () => process.exit(0));
    return;
  }
  const { runIot } = await import('./cli/iot.js');
  const rc = await runIot(argv, {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    isTty: Boolean(process.stdout.isTTY),
    columns: process.stdout.columns ?? 80,
  });
  // Let pending writes to a pipe drain before exiting with the command's code.
  process.stdout.write('', () => process.exit(rc));
}

async function runProgram(): Promise<void> {
  const { Command, Option } = await import('commander');
  const { VERSION } = await import('./kernel/version.js');
  const { SETTINGS, environmentOnlyHelp, flagHelp } = await import('./server/config.js');
  const program = new Command();
  program.name('ddlocal').description('AWS IoT Device Defender Audit on your own machine').version(VERSION);

  const serveCommand = program
    .command('serve')
    .description('run the ddlocal server (AWS IoT rest-json API at the root, ddlocal endpoints under /_ddlocal/)')
    .addHelpText('after', environmentOnlyHelp());
  // The flags come from the settings table. They have no commander defaults: a flag left out must stay undefined so
  // that its environment variable, then its default, apply (src/server/config.ts reads both).
  const flagged = SETTINGS.flatMap((setting) =>
    setting.flag ? [{ setting, option: new Option(setting.flag, flagHelp(setting)) }] : [],
  );
  for (const { option } of flagged) serveCommand.addOption(option);
  serveCommand.action(async (opts: Record<string, string | undefined>) => {
    const { serve } = await import('./server/serve.js');
    await serve(Object.fromEntries(flagged.map(({ setting, option }) => [setting.key, opts[option.attributeName()]])));
  });

  // Listed for `ddlocal --help`; never reached through commander (see above).
  program.command('iot').description('AWS IoT commands with the arguments of `aws iot <command>`: ddlocal iot <command> …');

  const { COMMANDS } = await import('./cli/commands/index.js');
  for (const register of COMMANDS) register(program);

  await program.parseAsync(process.argv);
}

const iotArgs = await iotArguments(process.argv.slice(2));
if (iotArgs !== undefined) await runIotCommand(iotArgs);
else await runProgram();
