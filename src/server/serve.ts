// `ddlocal serve`: runs the server until SIGTERM/SIGINT, then lets in-flight requests finish and closes the store.
// Start-up problems (bad flags, a port in use, an unreachable database) end the process with one plain sentence on
// stderr and a non-zero exit code — never a stack trace, since the reader is a person or a script, not a debugger.
import { destination, pino } from 'pino';
import { startDdlocal, type RunningDdlocal } from './app.js';
import { VERSION } from '../kernel/version.js';
import { DataFileInUseError } from '../store/sqlite.js';
import { ConfigurationError, readConfig, settingEnv, type DdlocalConfig, type FlagValues } from './config.js';
import { logDestination, resolvedLogFormat } from './log-output.js';

/** Exit codes: 2 = the options themselves are wrong, 1 = they are well-formed but the server could not start. */
const EXIT_USAGE = 2;
const EXIT_START = 1;

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

/** The settings from the flags and the environment, or exit 2 naming the first unusable one. */
function configuration(flags: FlagValues): DdlocalConfig {
  try {
    return readConfig(flags);
  } catch (err) {
    if (err instanceof ConfigurationError) fail(EXIT_USAGE, err.message);
    throw err;
  }
}

function startFailure(err: unknown, config: DdlocalConfig): string {
  const e = err as NodeJS.ErrnoException & { syscall?: string };
  const where = `${config.host}:${config.port}`;
  if (e.code === 'EADDRINUSE') return `cannot listen on ${where}: the address is already in use (try --port 0)`;
  if (e.code === 'EACCES' && e.syscall === 'listen') return `cannot listen on ${where}: permission denied`;
  if (e.syscall === 'listen' || e.code === 'EADDRNOTAVAIL' || (e.syscall === 'getaddrinfo' && e.message.includes(config.host)))
    return `cannot listen on ${where}: ${e.message}`;
  if (err instanceof DataFileInUseError) return err.message;
  const store = config.databaseUrl ? `the PostgreSQL database ${redactUrl(config.databaseUrl)}` : `the SQLite file ${config.data}`;
  return `cannot open ${store}: ${e.message ?? String(err)}`;
}

export async function serve(flags: FlagValues): Promise<void> {
  const config = configuration(flags);
  // The log lines and the ready line go through one stream, so they reach stdout in the order they were written: a
  // warning logged during start-up always comes before the ready line, however loaded the machine.
  // Pretty lines are formatted synchronously into that same stream (src/server/log-output.ts).
  const stdout = destination({ dest: 1, sync: false });
  const format = resolvedLogFormat(config.logFormat, process.stdout.isTTY === true);
  const logger = pino({ level: config.logLevel, base: undefined }, logDestination(format, stdout, process.stdout.isTTY === true));
  let running: RunningDdlocal;
  try {
    running = await startDdlocal({
      host: config.host,
      port: config.port,
      dataFile: config.data,
      databaseUrl: config.databaseUrl?.href,
      defaultRegion: config.defaultRegion,
      logger,
      weakKeyBlocklists: config.weakKeyBlocklists,
      enforceRolePermissions: config.enforceRolePermissions,
      mitigationLeaseMs: config.mitigationLeaseMs,
      mitigationBatchSize: config.mitigationBatchSize,
      snsDeliveryDeadlineMs: config.snsDeliveryDeadlineMs,
      crlFileUrls: config.crlFileUrls,
      authMode: config.authMode,
      credentialsFile: config.credentialsFile,
      allowUnauthenticatedNetwork: config.allowUnauthenticatedNetwork,
      allowedHosts: config.allowedHosts,
      allowedOrigins: config.allowedOrigins,
      metrics: config.metrics,
      mitigationProgressLogMs: config.mitigationProgressLogMs,
    });
  } catch (err) {
    // The settings are well-formed but not usable together (open mode on a network address without the flag).
    if (err instanceof ConfigurationError) fail(EXIT_USAGE, err.message);
    fail(EXIT_START, startFailure(err, config));
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

  // ddlocal ships no blocklist (the lists are not redistributable), so the operator must learn the test is off;
  // said before the ready line, which stays the last line of start-up.
  if (config.weakKeyBlocklists.length === 0)
    logger.warn(
      `CVE-2008-0166 key-quality test is inactive: set ${settingEnv('weakKeyBlocklists')} to openssl-blacklist files to enable it`,
    );
  // Printed only once the signal handlers are in place: a supervisor that stops ddlocal as soon as it reads this
  // line must get the graceful shutdown, not the default "killed by signal".
  const storeText = running.store.kind === 'postgres' ? 'postgres' : `sqlite ${config.data}`;
  stdout.write(`ddlocal ${VERSION} listening on ${running.url} (store: ${storeText})\n`);
}
