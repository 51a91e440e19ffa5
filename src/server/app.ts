// Assembles a running ddlocal: store (migrated), clock, logger, HTTP server. Used by `ddlocal serve` and, in-process,
// by tests and by anyone embedding ddlocal (`await startDdlocal({ port: 0, dataFile: ':memory:' })`).
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { pino, type Logger } from 'pino';
import { openStore, type Store } from '../store/store.js';
import { Clock } from '../kernel/clock.js';
import { createHttpServer, endEventStreams, findExtension } from '../protocol/http-server.js';
import { isLoopbackAddress, requestOriginPolicy } from '../protocol/request-origin.js';
import type { ExtensionRoute } from '../kernel/extension-route.js';
import { transactionalOperations } from './operations.js';
import { coreExtensionRoutes } from './core-routes.js';
import { EXTENSION_ROUTES } from './extension-routes.js';
import { AuditRunner } from '../audit/engine/engine.js';
import { OutboxDeliverer } from '../outbox/deliverer.js';
import { MitigationRunner, mitigationOutboxOrigin } from '../mitigation/engine/engine.js';
import { MITIGATION_EXECUTION_ORIGIN } from '../mitigation/actions/publish-finding-to-sns.js';
import type { SNSClientConfig } from '@aws-sdk/client-sns';
import { ConfigurationError, defaultSetting, environmentSetting, type AuthMode, type MetricsMode } from './config.js';
import { DdlocalMetrics, METRICS_PATH, PROMETHEUS_DEFAULT_PATH } from './metrics.js';
import { readFileSync } from 'node:fs';
import { buildCredentialsTable, ENVIRONMENT_VARIABLES, parseCredentialsFile, type CredentialsTable } from '../protocol/credentials.js';
import { CallerAuthorization } from './caller-authorization.js';
import { simulateRoutes } from './simulate-route.js';
import { dashboard } from '../ui/dashboard.js';
import { ApiError } from '../kernel/errors.js';
import type { SignedInPrincipal } from '../ui/sessions.js';
import { identityOf } from '../protocol/sigv4.js';
import { timingSafeEqual } from 'node:crypto';
import { DEFAULT_ACCOUNT } from '../protocol/auth.js';
import { errorStatus } from '../protocol/error-status.js';

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
  /** Findings a mitigation worker claims and runs in one transaction; default DDLOCAL_MITIGATION_BATCH_SIZE or 500. */
  mitigationBatchSize?: number;
  /** Whether audits and mitigation actions need roles allowing their work; default DDLOCAL_ENFORCE_ROLE_PERMISSIONS, off. */
  enforceRolePermissions?: boolean;
  /** openssl-blacklist files for the CVE-2008-0166 key test; default DDLOCAL_WEAK_KEY_BLOCKLISTS, none (test inactive). */
  weakKeyBlocklists?: string[];
  /** Whether the revocation checks read CRL distribution points with file: URLs; default DDLOCAL_CRL_FILE_URLS, on. */
  crlFileUrls?: boolean;
  /** How long close() waits for in-flight requests before cutting their connections; default 10 s. */
  shutdownGraceMs?: number;
  /** Default DDLOCAL_AUTH_MODE, `open`. */
  authMode?: AuthMode;
  /** `strict` mode: the credentials file; default DDLOCAL_CREDENTIALS_FILE. */
  credentialsFile?: string;
  /**
   * `strict` mode: credentials given directly (embedders, tests), in the credentials file's format; added to those of
   * the file and the DDLOCAL_ACCESS_KEY_ID… environment credential.
   */
  credentials?: unknown[];
  /** Whether `open` mode may listen on an address other than loopback; default DDLOCAL_ALLOW_UNAUTHENTICATED_NETWORK, no. */
  allowUnauthenticatedNetwork?: boolean;
  /** Hosts (`name` or `name:port`) accepted in the Host header besides loopback; default DDLOCAL_ALLOWED_HOSTS, none. */
  allowedHosts?: string[];
  /** Origins whose web pages may send requests; default DDLOCAL_ALLOWED_ORIGINS, none. */
  allowedOrigins?: string[];
  /** Prometheus metrics at /metrics and /_ddlocal/metrics (docs/observability.md); default DDLOCAL_METRICS, `on`. */
  metrics?: MetricsMode;
  /** How often a running mitigation task logs its progress; default DDLOCAL_MITIGATION_PROGRESS_LOG_SECONDS, 10 s. */
  mitigationProgressLogMs?: number;
}

/**
 * Refuses to expose `open` mode beyond this machine unless the operator said so, and then says what it means
 * (docs/decisions.md#w20). Throws ConfigurationError before anything is opened.
 */
function checkNetworkExposure(host: string, options: DdlocalOptions, logger: Logger): void {
  const authMode = options.authMode ?? environmentSetting('authMode');
  if (authMode === 'strict' || isLoopbackAddress(host)) return;
  if (!(options.allowUnauthenticatedNetwork ?? environmentSetting('allowUnauthenticatedNetwork')))
    throw new ConfigurationError(
      `refusing to listen on ${host} in open mode, where no caller is authenticated: anyone who can reach it could ` +
        'change every account and the clock. Listen on 127.0.0.1 (the default), or pass --allow-unauthenticated-network ' +
        '(DDLOCAL_ALLOW_UNAUTHENTICATED_NETWORK=true) if that is what you want',
    );
  // Logged now, long before the ready line: pino writes asynchronously, and a line still queued when `ddlocal serve`
  // prints the ready line would come after it.
  logger.warn(
    `open mode on ${host} with --allow-unauthenticated-network: no caller is authenticated, anyone who can reach ` +
      'this address can change every account and the clock',
  );
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
  /** This server's Prometheus metrics; undefined when metrics are off. */
  metrics: DdlocalMetrics | undefined;
  /** Stops accepting connections, lets in-flight requests finish, then closes the store. */
  close(): Promise<void>;
}

/** The hosts and origins a request may come through (docs/decisions.md#w18, docs/decisions.md#w19). */
function requestOriginPolicyOf(host: string, options: DdlocalOptions) {
  try {
    return requestOriginPolicy({
      allowedHosts: options.allowedHosts ?? environmentSetting('allowedHosts'),
      allowedOrigins: options.allowedOrigins ?? environmentSetting('allowedOrigins'),
      listenHost: host,
    });
  } catch (err) {
    throw new ConfigurationError((err as Error).message);
  }
}

/**
 * The credentials of strict mode: the credentials file, the options' own list and the environment's admin credential.
 * Anything wrong is a start-up error naming the entry and the field (never the secret).
 */
function strictCredentials(options: DdlocalOptions): CredentialsTable {
  const file = options.credentialsFile ?? environmentSetting('credentialsFile');
  try {
    let fileText: string | undefined;
    if (file !== undefined) {
      try {
        fileText = readFileSync(file, 'utf8');
      } catch (err) {
        throw new Error(`cannot read the credentials file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    }
    const env = {
      [ENVIRONMENT_VARIABLES.accessKeyId]: environmentSetting('adminAccessKeyId'),
      [ENVIRONMENT_VARIABLES.secretAccessKey]: environmentSetting('adminSecretAccessKey'),
      [ENVIRONMENT_VARIABLES.accountId]: environmentSetting('adminAccountId'),
      [ENVIRONMENT_VARIABLES.sessionToken]: environmentSetting('adminSessionToken'),
    };
    // Each source is checked on its own (messages name it), then together: one access key, one secret.
    const entries = [
      ...(fileText === undefined ? [] : parseCredentialsFile(fileText, file)),
      ...(options.credentials ? parseCredentialsFile(JSON.stringify(options.credentials), 'the credentials option') : []),
    ];
    return buildCredentialsTable(entries.length > 0 ? JSON.stringify(entries) : undefined, env, file ?? 'the credentials option');
  } catch (err) {
    const message = (err as Error).message;
    throw new ConfigurationError(message.startsWith('strict mode') ? message : `strict mode: ${message}`);
  }
}

/** A sign-in's principal, if the key, its secret and (for temporary keys) its session token are the table's. */
function verifySignIn(credentials: CredentialsTable, accessKeyId: string, secret: string, sessionToken: string): SignedInPrincipal | undefined {
  const entry = credentials.lookup(accessKeyId);
  // Compared in constant time; a missing entry still compares, so the answer's timing does not reveal which keys exist.
  const same = (a: string, b: string) => {
    // Bytes, not characters: "é" and "a" are both one character, and timingSafeEqual throws on unequal byte lengths.
    const x = Buffer.from(a);
    const y = Buffer.from(b);
    return x.length === y.length && timingSafeEqual(x, y);
  };
  const secretMatches = same(entry?.secretAccessKey ?? '\u0000'.repeat(secret.length || 1), secret);
  const tokenMatches = entry?.sessionToken === undefined ? sessionToken === '' : same(entry.sessionToken, sessionToken);
  if (!entry || !secretMatches || !tokenMatches) return undefined;
  return { accessKeyId: entry.accessKeyId, accountId: entry.accountId, principalArn: entry.principalArn };
}

function compileCallerPolicies(credentials: CredentialsTable): CallerAuthorization {
  try {
    return new CallerAuthorization(credentials.entries);
  } catch (err) {
    throw new ConfigurationError(`strict mode: ${(err as Error).message}`);
  }
}

export async function startDdlocal(options: DdlocalOptions = {}): Promise<RunningDdlocal> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const clock = options.clock ?? new Clock();
  // Read before anything starts, so a bad setting is a start-up error rather than a half-started server.
  const snsDeliveryDeadlineMs = options.snsDeliveryDeadlineMs ?? environmentSetting('snsDeliveryDeadlineMs');
  const enforceRolePermissions = options.enforceRolePermissions ?? environmentSetting('enforceRolePermissions');
  const mitigationLeaseMs = options.mitigationLeaseMs ?? environmentSetting('mitigationLeaseMs');
  const mitigationBatchSize = options.mitigationBatchSize ?? environmentSetting('mitigationBatchSize');
  const weakKeyBlocklists = options.weakKeyBlocklists ?? environmentSetting('weakKeyBlocklists');
  const crlFileUrls = options.crlFileUrls ?? environmentSetting('crlFileUrls');
  const metricsMode = options.metrics ?? environmentSetting('metrics');
  const mitigationProgressLogMs = options.mitigationProgressLogMs ?? environmentSetting('mitigationProgressLogMs');
  const dataFile = options.dataFile ?? defaultSetting('data');
  const host = options.host ?? defaultSetting('host');
  checkNetworkExposure(host, options, logger);
  const originPolicy = requestOriginPolicyOf(host, options);
  const authMode = options.authMode ?? environmentSetting('authMode');
  const credentials = authMode === 'strict' ? strictCredentials(options) : undefined;
  const authorization = credentials && compileCallerPolicies(credentials);
  const store = await openStore({ dataFile, databaseUrl: options.databaseUrl, logger });
  const extensions: ExtensionRoute[] = [...coreExtensionRoutes(store, clock, authMode), ...EXTENSION_ROUTES(store, clock)];
  if (credentials && authorization) extensions.push(...simulateRoutes(store, clock, credentials, authorization));
  const metrics = metricsMode === 'off' ? undefined : new DdlocalMetrics(store, logger);
  if (metrics) extensions.push(metrics.route());
  const operations = transactionalOperations(store, clock, undefined, authorization);
  const defaultRegion = options.defaultRegion ?? defaultSetting('defaultRegion');
  /**
   * Who a dashboard page acts as: the credentials-table entry a request signed with the signed-in principal's key would
   * verify to. Strict mode never runs anything for a page without it.
   */
  const pageIdentity = (principal: SignedInPrincipal | undefined, region: string) => {
    const entry = principal && credentials?.lookup(principal.accessKeyId);
    const identity = entry && identityOf(entry, region);
    if (credentials && !identity) throw new ApiError('AccessDeniedException', 'Sign in to use the dashboard in strict mode');
    return identity;
  };
  const server = createHttpServer({
    logger,
    telemetry: metrics,
    // Prometheus scrapes /metrics unless told otherwise; no AWS IoT operation uses that path.
    pathAliases: metrics ? { [PROMETHEUS_DEFAULT_PATH]: METRICS_PATH } : undefined,
    unsignedRoutes: metricsMode === 'unsigned' ? [`GET ${METRICS_PATH}`] : undefined,
    operations,
    extensions,
    defaultRegion,
    pages: dashboard({
      store,
      clock,
      defaultScope: { accountId: DEFAULT_ACCOUNT, region: defaultRegion },
      invoke: (operation, input, caller, requestId, principal) =>
        operations.invoke({ operation, input, caller, requestId, identity: pageIdentity(principal, caller.region) }),
      invokeExtension: async (method, path, body, caller, requestId, principal) => {
        const route = findExtension(extensions, method, path);
        if (!route) throw new ApiError('UnknownOperationException', `No ddlocal endpoint matches ${method} ${path}`);
        const identity = pageIdentity(principal, caller.region);
        // The same rule as a signed request to the endpoint (docs/decisions.md#w21).
        if (authorization && identity && route.action !== 'none') authorization.authorizeDdlocalAction({ ...caller, now: clock.now() }, identity, route.action, {});
        const out = await route.handler({
          method,
          path,
          query: new Map(),
          body: Buffer.from(JSON.stringify(body ?? {})),
          caller,
          requestId,
          admin: credentials ? identity?.admin === true : true,
          principal: identity && { accessKeyId: identity.accessKeyId, principalArn: identity.principalArn },
        });
        return out.body;
      },
      statusOf: errorStatus,
      // Strict mode: pages need a sign-in with a key of the credentials table (docs/dashboard.md).
      verifyPrincipal: credentials && ((accessKeyId, secret, token) => verifySignIn(credentials, accessKeyId, secret, token)),
    }),
    requestOrigin: originPolicy,
    authentication: credentials &&
      authorization && {
        lookup: credentials.lookup,
        // A signature's time is checked against the real (wall-clock) time, never ddlocal's clock: clients sign
        // with their machine's clock, and a user who moves ddlocal's clock (`ddlocal clock advance 20d` to test
        // certificate expiry) must not lock every client out with "Signature expired". The 15-minute window guards
        // against replay on the wire, which happens in real time, not in the simulated time the audit rules see.
        // Still injectable for tests: createHttpServer takes this function, verifySigV4 takes the time itself.
        now: () => Date.now(),
        authorizeExtension: (identity, action, { caller, sourceIp }) =>
          authorization.authorizeDdlocalAction({ ...caller, now: clock.now() }, identity, action, { sourceIp }),
      },
  });
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
  const auditRunner = new AuditRunner(store, clock, logger, { enforceRolePermissions, weakKeyBlocklists, crlFileUrls, telemetry: metrics });
  auditRunner.start();
  const mitigationRunner = new MitigationRunner(store, clock, logger, {
    enforceRolePermissions,
    leaseMs: mitigationLeaseMs,
    batchSize: mitigationBatchSize,
    telemetry: metrics,
    progressLogMs: mitigationProgressLogMs,
  });
  mitigationRunner.start();
  const outbox = new OutboxDeliverer(store, logger, {
    snsClientConfig: options.sns,
    deliveryDeadlineMs: snsDeliveryDeadlineMs,
    origins: { [MITIGATION_EXECUTION_ORIGIN]: mitigationOutboxOrigin(clock) },
    telemetry: metrics,
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
    metrics,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          // A client that never finishes its request (a body upload held open) must not block shutdown forever.
          const force = setTimeout(() => server.closeAllConnections(), options.shutdownGraceMs ?? 10_000);
          force.unref();
          endEventStreams(server);
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
