// `ddlocal serve`: runs the server until SIGTERM/SIGINT, then lets in-flight requests finish and closes the store.
import { pino } from 'pino';
import { startDdlocal } from '../app.js';
import { VERSION } from '../version.js';

export interface ServeOptions {
  host: string;
  port: string;
  data: string;
  databaseUrl?: string;
  defaultRegion: string;
  logLevel: string;
}

export async function serve(opts: ServeOptions): Promise<void> {
  const port = Number(opts.port);
  if (!/^\d+$/.test(opts.port) || port > 65535) {
    console.error(`ddlocal serve: --port must be an integer from 0 to 65535, got '${opts.port}'`);
    process.exit(2);
  }
  const logger = pino({ level: opts.logLevel, base: undefined });
  let running;
  try {
    running = await startDdlocal({
      host: opts.host,
      port,
      dataFile: opts.data,
      databaseUrl: opts.databaseUrl || undefined,
      defaultRegion: opts.defaultRegion,
      logger,
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'EADDRINUSE' ? `${opts.host}:${port} is already in use (try --port 0)` : e.message;
    console.error(`ddlocal serve: cannot start: ${why}`);
    process.exit(1);
  }
  const storeText = running.store.kind === 'postgres' ? 'postgres' : `sqlite ${opts.data}`;
  process.stdout.write(`ddlocal ${VERSION} listening on ${running.url} (store: ${storeText})\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    running
      .close()
      .then(() => process.exit(0))
      .catch((err) => {
        console.error(`ddlocal serve: error while shutting down: ${(err as Error).message}`);
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
