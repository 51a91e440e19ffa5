// A real PostgreSQL for tests: initdb + pg_ctl in a temporary directory on a random port, run as the `postgres`
// system user when the tests run as root (PostgreSQL refuses to run as root). scripts/run-tests.mjs starts one
// cluster for the whole run and passes its URL in DDLOCAL_TEST_PG_URL; a test file run on its own starts its own.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './ports.js';

const PG_BIN_CANDIDATES = ['/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/17/bin', '/usr/local/bin', '/usr/bin'];

function pgBin(name: string): string {
  for (const dir of PG_BIN_CANDIDATES) if (existsSync(join(dir, name))) return join(dir, name);
  throw new Error(`PostgreSQL server binary ${name} not found (looked in ${PG_BIN_CANDIDATES.join(', ')})`);
}


function runAsPostgres(cmd: string, args: string[]) {
  const asRoot = process.getuid?.() === 0;
  const result = asRoot
    ? spawnSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { encoding: 'utf8' })
    : spawnSync(cmd, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${cmd} failed: ${result.stderr || result.stdout}`);
}

export interface PgCluster {
  adminUrl: string;
  /** Shuts the server down (fast mode: sessions are terminated) and keeps the data, for outage tests. */
  pause(): void;
  /** Starts the server again on the same port and data directory. */
  resume(): void;
  stop(): void;
}

export async function startPgCluster(): Promise<PgCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'ddlocal-pg-'));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const port = await freePort();
  runAsPostgres(pgBin('initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const start = () =>
    runAsPostgres(pgBin('pg_ctl'), [
      '-D',
      data,
      '-l',
      join(dir, 'log'),
      '-w',
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
      'start',
    ]);
  start();
  return {
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    pause: () => runAsPostgres(pgBin('pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']),
    resume: start,
    stop() {
      try {
        runAsPostgres(pgBin('pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** The cluster of a test file run on its own: started on first use, stopped (and its folder removed) at exit. */
let ownCluster: Promise<PgCluster> | undefined;

function startOwnCluster(): Promise<PgCluster> {
  return startPgCluster().then((cluster) => {
    process.once('exit', () => cluster.stop());
    return cluster;
  });
}

/** A fresh, empty database on the shared test cluster; returns its URL. */
export async function createTestDatabase(): Promise<string> {
  let admin = process.env.DDLOCAL_TEST_PG_URL;
  if (!admin) {
    ownCluster ??= startOwnCluster();
    admin = (await ownCluster).adminUrl;
  }
  const name = `ddlocal_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}
