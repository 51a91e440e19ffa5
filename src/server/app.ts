// Assembles a running ddlocal: store (migrated), clock, logger, HTTP server. Used by `ddlocal serve` and, in-process,
// by tests and by anyone embedding ddlocal (`await startDdlocal({ port: 0, dataFile: ':memory:' })`).
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { pino, type Logger } from 'pino';
import { openStore, type Store } from '../store/store.js';
import { Clock } from '../kernel/clock.js';
import { createHttpServer } from '../protocol/http-server.js';
import type { ExtensionRoute } from '../kernel/extension-route.js';
import { transactionalOperations } from './operations.js';
import { coreExtensionRoutes } from './core-routes.js';
import { EXTENSION_ROUTES } from './extension-routes.js';
import { AuditRunner } from '../audit/engine/engine.js';
import { OutboxDeliverer } from '../outbox/deliverer.js';
import { MitigationRunner, mitigationOutboxOrigin } from '../mitigation/engine/engine.js';
import { MITIGATION_EXECUTION_ORIGIN } from '../mitigation/actions/publish-finding-to-sns.js';
import type { SNSClientConfig } from '@aws-sdk/client-sns';
import { defaultSetting, environmentSetting } from './config.js';

/**
 * Options left out take their default from the settings table (src/server/config.ts); the settings that have no
 * `ddlocal serve` flag first look at their DDLOCAL_* variable, so an embedded server honours them as `serve` does.
 */
export interface DdlocalOptions {
  host?: string;
  port?: number;
  /** SQLite file, default ./.ddlocal/ddlocal.db; ':memory:' keeps nothing. */
  dataFile?: string;
  /** postgres://… — use PostgreSQL instead of SQLite. */
  databaseUrl?: string;
  defaultRegion?: string;
  logger?: Logger;
  clock?: Clock;
  /**
   * SNS client settings for audit notifications and PUBLISH_FINDING_TO_SNS (endpoint, credentials…). Without them the
   * AWS SDK's standard configuration applies: AWS_ENDPOINT_URL_SNS / AWS_ENDPOINT_URL, the credential chain, profiles.
   */
  sns?: Partial<SNSClientConfig>;
  /** How long an SNS message is retried before it FAILS; default DDLOCAL_SNS_DELIVERY_DEADLINE_SECONDS or 5 minutes. */
  snsDeliveryDeadlineMs?: number;
  /** How long a mitigation worker's claim lasts; default DDLOCAL_MITIGATION_LEASE_SECONDS or 30 s. */
  mitigationLeaseMs?: number;
  /** Whether audits and mitigation actions need roles allowing their work; default DDLOCAL_ENFORCE_ROLE_PERMISSIONS, off. */
  enforceRolePermissions?: boolean;
  /** openssl-blacklist files for the CVE-2008-0166 key test; default DDLOCAL_WEAK_KEY_BLOCKLISTS, none (test inactive). */
  weakKeyBlocklists?: string[];
  /** Whether the revocation checks read CRL distribution points with file: URLs; default DDLOCAL_CRL_FILE_URLS, on. */
  crlFileUrls?: boolean;
  /** How long close() waits for in-flight requests before cutting their connections; default 10 s. */
  shutdownGraceMs?: number;
}

export interface RunningDdlocal {
  url: string;
  port: number;
  store: Store;
  clock: Clock;
  server: Server;
  /** Evaluates audit tasks and starts scheduled audits outside the requests (src/audit/engine/engine.ts). */
  auditRunner: AuditRunner;
  /** Runs audit mitigation actions tasks (src/mitigation/engine/engine.ts). */
  mitigationRunner: MitigationRunner;
  /** Publishes outbox messages (SNS) after their transactions commit (src/outbox/). */
  outbox: OutboxDeliverer;
  /** Stops accepting connections, lets in-flight requests finish, then closes the store. */
  close(): Promise<void>;
}

export async function startDdlocal(options: DdlocalOptions = {}): Promise<RunningDdlocal> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const clock = options.clock ?? new Clock();
  // Read before anything starts, so a bad setting is a start-up error rather than a half-started server.
  const snsDeliveryDeadlineMs = options.snsDeliveryDeadlineMs ?? environmentSetting('snsDeliveryDeadlineMs');
  const enforceRolePermissions = options.enforceRolePermissions ?? environmentSetting('enforceRolePermissions');
  const mitigationLeaseMs = options.mitigationLeaseMs ?? environmentSetting('mitigationLeaseMs');
  const weakKeyBlocklists = options.weakKeyBlocklists ?? environmentSetting('weakKeyBlocklists');
  const crlFileUrls = options.crlFileUrls ?? environmentSetting('crlFileUrls');
  const dataFile = options.dataFile ?? defaultSetting('data');
  const store = await openStore({ dataFile, databaseUrl: options.databaseUrl, logger });
  const extensions: ExtensionRoute[] = [...coreExtensionRoutes(store, clock, 'open'), ...EXTENSION_ROUTES(store, clock)];
  const server = createHttpServer({
    logger,
    operations: transactionalOperations(store, clock),
    extensions,
    defaultRegion: options.defaultRegion ?? defaultSetting('defaultRegion'),
  });
  const host = options.host ?? defaultSetting('host');
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? defaultSetting('port'), host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    // The store is already open (and migrated): an embedder that retries on another port must not leak it.
    await store.close();
    throw err;
  }
  // After a successful listen, a server 'error' (e.g. EMFILE while accepting) without a listener would crash.
  server.on('error', (err) => logger.error({ err }, 'HTTP server error'));
  // Started after listen succeeded; also resumes tasks a previous process left IN_PROGRESS.
  const auditRunner = new AuditRunner(store, clock, logger, { enforceRolePermissions, weakKeyBlocklists, crlFileUrls });
  auditRunner.start();
  const mitigationRunner = new MitigationRunner(store, clock, logger, { enforceRolePermissions, leaseMs: mitigationLeaseMs });
  mitigationRunner.start();
  const outbox = new OutboxDeliverer(store, logger, {
    snsClientConfig: options.sns,
    deliveryDeadlineMs: snsDeliveryDeadlineMs,
    origins: { [MITIGATION_EXECUTION_ORIGIN]: mitigationOutboxOrigin(clock) },
  });
  outbox.start();
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    store,
    clock,
    server,
    auditRunner,
    mitigationRunner,
    outbox,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          // A client that never finishes its request (a body upload held open) must not block shutdown forever.
          const force = setTimeout(() => server.closeAllConnections(), options.shutdownGraceMs ?? 10_000);
          force.unref();
          server.close(() => {
            clearTimeout(force);
            resolve();
          });
          server.closeIdleConnections();
        });
        await auditRunner.stop();
        await mitigationRunner.stop();
        await outbox.stop();
        await store.close();
      })();
      return closing;
    },
  };
}
