// The `ddlocal` command. `serve` runs the server; `iot` (the aws-compatible client) arrives with issue 5.
import { Command } from 'commander';
import { VERSION } from '../version.js';

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

await program.parseAsync(process.argv);
