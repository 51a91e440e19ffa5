// `ddlocal serve`: runs the server until SIGTERM/SIGINT, then lets in-flight requests finish and closes the store.
// Start-up problems (bad flags, a port in use, an unreachable database) end the process with one plain sentence on
// stderr and a non-zero exit code — never a stack trace, since the reader is a person or a script, not a debugger.
import { pino } from 'pino';
import { startDdlocal, type RunningDdlocal } from './app.js';
import { VERSION } from '../kernel/version.js';
import { deliveryDeadlineFromEnv } from '../outbox/deliverer.js';
import { enforceRolePermissionsFromEnv } from '../mitigation/engine/role-permissions.js';
import { leaseMsFromEnv } from '../mitigation/engine/engine.js';
import { weakKeyTestInactiveNotice } from '../audit/analysis/weak-keys.js';
import { DataFileInUseError } from '../store/sqlite.js';

export interface ServeOptions {
  host: string;
  port: string;
  data: string;
  databaseUrl?: string;
  defaultRegion: string;
  logLevel: string;
}

/** Exit codes: 2 = the options themselves are wrong, 1 = they are well-formed but the server could not start. */
const EXIT_USAGE = 2;
const EXIT_START = 1;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function fail(code: number, message: string): never {
  process.stderr.write(`ddlocal serve: ${message}\n`);
  process.exit(code);
}

/** The URL as it may appear in a message: a password never reaches a terminal or a CI log. */
function redactUrl(url: URL): string {
  const copy = new URL(url.href);
  if (copy.password) copy.password = '***';
  return copy.href;
}

function checkOptions(opts: ServeOptions): { port: number; databaseUrl?: URL } {
  if (!/^\d{1,5}$/.test(opts.port) || Number(opts.port) > 65535)
    fail(EXIT_USAGE, `--port must be an integer from 0 to 65535, got '${opts.port}'`);
  if (!opts.host) fail(EXIT_USAGE, '--host must not be empty');
  if (!LOG_LEVELS.includes(opts.logLevel))
    fail(EXIT_USAGE, `--log-level must be one of ${LOG_LEVELS.join(', ')}, got '${opts.logLevel}'`);
  try {
    deliveryDeadlineFromEnv();
    enforceRolePermissionsFromEnv();
    leaseMsFromEnv();
  } catch (err) {
    fail(EXIT_USAGE, (err as Error).message);
  }
  if (!opts.databaseUrl) return { port: Number(opts.port) };
  let url: URL;
  try {
    url = new URL(opts.databaseUrl);
  } catch {
    fail(EXIT_USAGE, '--database-url must be a URL such as postgres://user:password@host:5432/database');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
    fail(EXIT_USAGE, `--database-url must start with postgres:// or postgresql://, got '${url.protocol}//…'`);
  return { port: Number(opts.port), databaseUrl: url };
}

function startFailure(err: unknown, opts: ServeOptions, port: number, databaseUrl?: URL): string {
  const e = err as NodeJS.ErrnoException & { syscall?: string };
  const where = `${opts.host}:${port}`;
  if (e.code === 'EADDRINUSE') return `cannot listen on ${where}: the address is already in use (try --port 0)`;
  if (e.code === 'EACCES' && e.syscall === 'listen') return `cannot listen on ${where}: permission denied`;
  if (e.syscall === 'listen' || e.code === 'EADDRNOTAVAIL' || (e.syscall === 'getaddrinfo' && e.message.includes(opts.host)))
    return `cannot listen on ${where}: ${e.message}`;
  if (err instanceof DataFileInUseError) return err.message;
  const store = databaseUrl ? `the PostgreSQL database ${redactUrl(databaseUrl)}` : `the SQLite file ${opts.data}`;
  return `cannot open ${store}: ${e.message ?? String(err)}`;
}

export async function serve(opts: ServeOptions): Promise<void> {
  const { port, databaseUrl } = checkOptions(opts);
  const logger = pino({ level: opts.logLevel, base: undefined });
  let running: RunningDdlocal;
  try {
    running = await startDdlocal({
      host: opts.host,
      port,
      dataFile: opts.data,
      databaseUrl: databaseUrl?.href,
      defaultRegion: opts.defaultRegion,
      logger,
    });
  } catch (err) {
    fail(EXIT_START, startFailure(err, opts, port, databaseUrl));
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      // A second signal means "now": stop waiting for in-flight requests.
      running.server.closeAllConnections();
      return;
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    running
      .close()
      .then(() => process.exit(0))
      .catch((err) => fail(EXIT_START, `error while shutting down: ${(err as Error).message}`));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  // Printed only once the signal handlers are in place: a supervisor that stops ddlocal as soon as it reads this
  // line must get the graceful shutdown, not the default "killed by signal".
  const storeText = running.store.kind === 'postgres' ? 'postgres' : `sqlite ${opts.data}`;
  process.stdout.write(`ddlocal ${VERSION} listening on ${running.url} (store: ${storeText})\n`);
  const weakKeyNotice = weakKeyTestInactiveNotice();
  if (weakKeyNotice) logger.warn(weakKeyNotice);
}
