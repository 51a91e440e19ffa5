// The `ddlocal` package's main entry: start a ddlocal server inside your own Node.js process.
//
//   import { startDdlocal } from 'ddlocal';
//   const ddlocal = await startDdlocal({ port: 0, dataFile: ':memory:' });
//   … point any AWS SDK client at ddlocal.url …
//   await ddlocal.close();
//
// The types here are declared on purpose instead of re-exported from src/server/app.ts: they are the public
// contract, so the published declarations do not expose (or depend on) the store, the runners and the HTTP server,
// and an internal refactoring cannot change them unnoticed — the assignments at the end fail to compile when the
// server's options and these drift apart.
import type { Logger } from 'pino';
import type { SNSClientConfig } from '@aws-sdk/client-sns';
import { Clock } from './kernel/clock.js';
import { startDdlocal as startServer, type DdlocalOptions as ServerOptions } from './server/app.js';

export { Clock };
export type { ClockMode, ClockState } from './kernel/clock.js';

/**
 * How to start ddlocal. Every option left out takes the default of the matching `ddlocal serve` setting (its
 * DDLOCAL_* environment variable where the setting has no flag; see the README's configuration table).
 */
export interface DdlocalOptions {
  /** Address to listen on; default 127.0.0.1. */
  host?: string;
  /** Port; default 4580. `0` picks a free port (read it from `url` or `port`). */
  port?: number;
  /** SQLite file, created with its directory; default ./.ddlocal/ddlocal.db. `':memory:'` keeps nothing. */
  dataFile?: string;
  /** `postgres://user:pass@host:5432/db`: use PostgreSQL instead of SQLite. */
  databaseUrl?: string;
  /** Region of requests without an Authorization header; default us-east-1. */
  defaultRegion?: string;
  /** A pino logger for ddlocal's request and background logs; default silent. */
  logger?: Logger;
  /** The clock every time-dependent rule reads (certificate expiry, schedules, leases); default a new system clock. */
  clock?: Clock;
  /** SNS client settings for audit notifications and PUBLISH_FINDING_TO_SNS; default the AWS SDK's standard configuration. */
  sns?: Partial<SNSClientConfig>;
  /** How long an SNS message is retried before it fails; default DDLOCAL_SNS_DELIVERY_DEADLINE_SECONDS or 5 minutes. */
  snsDeliveryDeadlineMs?: number;
  /** How long a mitigation worker's claim on a finding lasts; default DDLOCAL_MITIGATION_LEASE_SECONDS or 30 s. */
  mitigationLeaseMs?: number;
  /** Findings a mitigation worker claims and runs in one transaction; default DDLOCAL_MITIGATION_BATCH_SIZE or 500. */
  mitigationBatchSize?: number;
  /** Whether audits and mitigation actions need roles allowing their work; default DDLOCAL_ENFORCE_ROLE_PERMISSIONS, off. */
  enforceRolePermissions?: boolean;
  /** openssl-blacklist files for the CVE-2008-0166 key test; default DDLOCAL_WEAK_KEY_BLOCKLISTS, none. */
  weakKeyBlocklists?: string[];
  /** Whether the revocation checks read CRL distribution points with file: URLs; default DDLOCAL_CRL_FILE_URLS, on. */
  crlFileUrls?: boolean;
  /** How long close() waits for in-flight requests before cutting their connections; default 10 s. */
  shutdownGraceMs?: number;
  /** `open` (default): the access key id only picks the account. `strict`: SigV4 and IAM policies are enforced. */
  authMode?: 'open' | 'strict';
  /** `strict` mode: the credentials file (JSON or YAML); default DDLOCAL_CREDENTIALS_FILE. */
  credentialsFile?: string;
  /** `strict` mode: credentials given directly, in the credentials file's format. */
  credentials?: unknown[];
  /** Whether `open` mode may listen on an address other than loopback; default no. */
  allowUnauthenticatedNetwork?: boolean;
  /** Hosts (`name` or `name:port`) accepted in the Host header besides loopback; default none. */
  allowedHosts?: string[];
  /** Origins whose web pages may send requests; default none. */
  allowedOrigins?: string[];
  /** Prometheus metrics at /metrics and /_ddlocal/metrics: `on`, `unsigned` or `off`; default DDLOCAL_METRICS, `on`. */
  metrics?: 'on' | 'unsigned' | 'off';
  /** How often a running mitigation task logs its progress; default DDLOCAL_MITIGATION_PROGRESS_LOG_SECONDS, 10 s. */
  mitigationProgressLogMs?: number;
}

/** A running ddlocal. */
export interface Ddlocal {
  /** The endpoint URL, such as http://127.0.0.1:43117. */
  readonly url: string;
  /** The port it listens on (the chosen one when started with port 0). */
  readonly port: number;
  /** ddlocal's clock, to move time in-process (the same as POST /_ddlocal/clock). */
  readonly clock: Clock;
  /** Stops accepting connections, lets in-flight requests finish, stops the background work, closes the store. */
  close(): Promise<void>;
  /** `await using ddlocal = await startDdlocal()` closes it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts ddlocal: opens (and migrates) the store, listens, starts the audit, mitigation and SNS workers. */
export async function startDdlocal(options: DdlocalOptions = {}): Promise<Ddlocal> {
  const running = await startServer(options);
  return {
    url: running.url,
    port: running.port,
    clock: running.clock,
    close: () => running.close(),
    [Symbol.asyncDispose]: () => running.close(),
  };
}

// Compile-time checks that the public options and the server's name the same settings with the same types: an option
// added to the server without being declared here (or the other way round) fails the build at these lines.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameSettings: Same<keyof DdlocalOptions, keyof ServerOptions> = true;
const sameTypes: Same<Required<DdlocalOptions>, Required<ServerOptions>> = true;
void sameSettings;
void sameTypes;
