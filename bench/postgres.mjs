// A throw-away PostgreSQL cluster for the benchmark (the same recipe as test/helpers/postgres.ts): initdb + pg_ctl in
// a temporary directory on a free port, run as the `postgres` system user when running as root. Durability settings
// are the server defaults except fsync=off, as in the test cluster.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import pg from 'pg';

const BIN_DIRS = ['/usr/lib/postgresql/17/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin', '/usr/local/bin', '/usr/bin'];
const bin = (name) => {
  for (const dir of BIN_DIRS) if (existsSync(join(dir, name))) return join(dir, name);
  throw new Error(`PostgreSQL binary ${name} not found in ${BIN_DIRS.join(', ')}`);
};

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function asPostgres(cmd, args) {
  const root = process.getuid?.() === 0;
  const r = root ? spawnSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { encoding: 'utf8' }) : spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`);
}

/** Starts a cluster and creates one database; returns { url, version, stop() }. */
export async function startPostgres() {
  const dir = mkdtempSync(join(tmpdir(), 'ddlocal-bench-pg-'));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const port = await freePort();
  asPostgres(bin('initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  asPostgres(bin('pg_ctl'), ['-D', data, '-l', join(dir, 'log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  const admin = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  const version = (await client.query('SHOW server_version')).rows[0].server_version;
  await client.query('CREATE DATABASE ddlocal_bench');
  await client.end();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/ddlocal_bench`,
    version,
    stop() {
      try {
        asPostgres(bin('pg_ctl'), ['-D', data, '-m', 'fast', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
