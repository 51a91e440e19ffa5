// The `ddlocal` command. `serve` runs the server; `iot` is the aws-compatible client (`ddlocal iot <command>` takes
// exactly the arguments of `aws iot <command>`, so it parses its own argv rather than going through commander, and
// loads nothing it does not need).
const [, , first, ...rest] = process.argv;

async function runIotCommand(argv: string[]): Promise<void> {
  const { runIot } = await import('./iot.js');
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
  const { Command } = await import('commander');
  const { VERSION } = await import('../version.js');
  const env = process.env;
  const program = new Command();
  program.name('ddlocal').description('AWS IoT Device Defender Audit on your own machine').version(VERSION);

  program
    .command('serve')
    .description('run the ddlocal server (AWS IoT rest-json API at the root, ddlocal endpoints under /_ddlocal/)')
    .option('--host <host>', 'address to listen on (DDLOCAL_HOST)', env.DDLOCAL_HOST ?? '127.0.0.1')
    .option('--port <port>', 'port to listen on, 0 = any free port (DDLOCAL_PORT)', env.DDLOCAL_PORT ?? '4580')
    .option('--data <file>', "SQLite file, or ':memory:' (DDLOCAL_DATA)", env.DDLOCAL_DATA ?? './.ddlocal/ddlocal.db')
    .option('--database-url <url>', 'postgres://… use PostgreSQL instead of SQLite (DDLOCAL_DATABASE_URL)', env.DDLOCAL_DATABASE_URL)
    .option('--default-region <region>', 'region of unsigned requests (DDLOCAL_DEFAULT_REGION)', env.DDLOCAL_DEFAULT_REGION ?? 'us-east-1')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|silent (DDLOCAL_LOG_LEVEL)', env.DDLOCAL_LOG_LEVEL ?? 'info')
    .action(async (opts) => {
      const { serve } = await import('./serve.js');
      await serve(opts);
    });

  // Listed for `ddlocal --help`; never reached through commander (see above).
  program.command('iot').description('AWS IoT commands with the arguments of `aws iot <command>`: ddlocal iot <command> …');

  await program.parseAsync(process.argv);
}

if (first === 'iot') await runIotCommand(rest);
else await runProgram();
