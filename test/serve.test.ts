// `ddlocal serve` as users run it: the real CLI (bin/ddlocal.js, from the build) in a child process. Covers the
// ready line, /_ddlocal/health, flags and their environment variables, the default data file, ':memory:',
// durability across restarts on SQLite and PostgreSQL, graceful shutdown on SIGTERM and SIGINT, and start-up errors.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, createServer, type Socket } from 'node:net';
import SQLite from 'better-sqlite3';
import { CreateThingCommand, DescribeThingCommand, ListThingsCommand } from '@aws-sdk/client-iot';
import { iotClient } from './helpers/server.js';
import { createTestDatabase } from './helpers/postgres.js';
import { rawRequest } from './helpers/raw-http.js';
import { tempDir } from './helpers/temp-dir.js';
import { VERSION } from '../src/kernel/version.js';

const BIN = fileURLToPath(new URL('../../bin/ddlocal.js', import.meta.url));
const READY = /^ddlocal (\S+) listening on (http:\/\/\S+) \(store: (.+)\)$/;
/** A line of a JavaScript stack trace, which a start-up error must never show. */
const STACK_LINE = /^\s+at .+/m;

/** The environment without the caller's DDLOCAL_* settings, so each test says exactly what it configures. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('DDLOCAL_')) env[k] = v;
  return { ...env, ...extra };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const running = new Set<ChildProcess>();

class Serve {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  private waiters: (() => void)[] = [];

  constructor(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
    this.child = spawn(process.execPath, [BIN, 'serve', ...args], {
      cwd: options.cwd ?? tempDir(),
      env: cleanEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(this.child);
    const poke = () => this.waiters.splice(0).forEach((w) => w());
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      this.stdout += d;
      poke();
    });
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.stderr += d;
      poke();
    });
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => {
        running.delete(this.child);
        resolve({ code, signal });
        poke();
      }),
    );
  }

  get lines(): string[] {
    return this.stdout.split('\n').filter((l) => l !== '');
  }

  /** Waits until some stdout line satisfies `match`; fails if the process exits first or `ms` pass. */
  async waitForLine(match: (line: string) => boolean, what: string, ms = 20_000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const line = this.lines.find(match);
      if (line !== undefined) return line;
      if (this.child.exitCode !== null || this.child.signalCode !== null)
        throw new Error(`ddlocal exited before ${what}: ${this.stderr}${this.stdout}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${this.stderr}${this.stdout}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for the ready line and returns what it announces. */
  async ready(): Promise<{ version: string; url: string; store: string; port: number }> {
    const line = await this.waitForLine((l) => READY.test(l), 'the ready line');
    const [, version, url, store] = READY.exec(line)!;
    return { version: version!, url: url!, store: store!, port: Number(new URL(url!).port) };
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> {
    this.child.kill(signal);
    return this.exited;
  }
}

/** Runs `ddlocal serve …` that is expected to give up at start; returns its exit and output. */
async function failedStart(args: string[], env: Record<string, string> = {}): Promise<{ exit: Exit; stderr: string; stdout: string }> {
  const serve = new Serve(args, { env });
  const timer = setTimeout(() => serve.child.kill('SIGKILL'), 30_000);
  const exit = await serve.exited;
  clearTimeout(timer);
  return { exit, stderr: serve.stderr, stdout: serve.stdout };
}

function assertCleanStartError(r: { exit: Exit; stderr: string; stdout: string }, code: number, message: RegExp) {
  assert.equal(r.exit.code, code, r.stderr);
  assert.doesNotMatch(r.stderr, STACK_LINE, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, message);
  assert.doesNotMatch(r.stdout, READY, 'no ready line for a server that did not start');
}

async function health(url: string) {
  const res = await rawRequest(url, { path: '/_ddlocal/health' });
  assert.equal(res.status, 200, res.text);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  return res.json as { status: string; version: string; store: string; authMode: string };
}

async function createThing(url: string, thingName: string) {
  const iot = iotClient(url);
  try {
    await iot.send(new CreateThingCommand({ thingName, attributePayload: { attributes: { kept: 'yes' } } }));
  } finally {
    iot.destroy();
  }
}

async function thingNames(url: string): Promise<string[]> {
  const iot = iotClient(url);
  try {
    return ((await iot.send(new ListThingsCommand({}))).things ?? []).map((t) => t.thingName!).sort();
  } finally {
    iot.destroy();
  }
}

/** Connects to the port; resolves true when a connection is accepted, false when refused. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Opens a socket and sends a request's head plus the first part of its body; the rest is sent by the caller. */
function startUpload(port: number, path: string, body: string, firstBytes: number): Promise<{ socket: Socket; response: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const response = new Promise<string>((done) => {
      socket.on('data', (d: Buffer) => (received += d.toString('utf8')));
      socket.on('close', () => done(received));
    });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
          body.slice(0, firstBytes),
      );
      resolve({ socket, response });
    });
  });
}

after(() => {
  // A failed assertion must not leave a server behind; these are only the processes this file started.
  for (const child of running) child.kill('SIGKILL');
});

describe('ddlocal serve', () => {
  test('--port 0: one ready line with the chosen port; default data file ./.ddlocal/ddlocal.db in the cwd; health', async () => {
    const cwd = tempDir();
    const serve = new Serve(['--port', '0'], { cwd });
    const ready = await serve.ready();
    assert.equal(ready.version, VERSION);
    assert.match(ready.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(ready.port > 0 && ready.port <= 65535, ready.url);
    assert.equal(ready.store, 'sqlite ./.ddlocal/ddlocal.db');
    // The notice that the weak-key test is off (no blocklist configured), then the ready line, and nothing else.
    assert.equal(serve.lines.length, 2, serve.stdout);
    assert.equal(JSON.parse(serve.lines[0]!).msg, 'CVE-2008-0166 key-quality test is inactive: set DDLOCAL_WEAK_KEY_BLOCKLISTS to openssl-blacklist files to enable it');
    assert.match(serve.lines[1]!, READY);
    assert.equal(serve.stderr, '');
    assert.ok(existsSync(join(cwd, '.ddlocal', 'ddlocal.db')), 'data file created relative to the cwd');
    assert.deepEqual(await health(ready.url), { status: 'ok', version: VERSION, store: 'sqlite', authMode: 'open' });
    assert.deepEqual(await serve.stop(), { code: 0, signal: null });
  });

  test('DDLOCAL_HOST, DDLOCAL_PORT and DDLOCAL_DATA work like the flags; flags win over them', async () => {
    const dir = tempDir();
    const port = await freePort();
    const dataFile = join(dir, 'nested', 'env.db');
    const serve = new Serve([], { env: { DDLOCAL_HOST: '127.0.0.2', DDLOCAL_PORT: String(port), DDLOCAL_DATA: dataFile } });
    const ready = await serve.ready();
    assert.equal(ready.url, `http://127.0.0.2:${port}`);
    assert.equal(ready.store, `sqlite ${dataFile}`);
    assert.equal((await health(ready.url)).store, 'sqlite');
    assert.ok(existsSync(dataFile), 'DDLOCAL_DATA names the SQLite file');
    assert.equal((await serve.stop()).code, 0);

    // An environment value the flag overrides is never looked at, even an invalid one.
    const flagged = new Serve(['--host', '127.0.0.1', '--port', '0', '--data', ':memory:'], {
      env: { DDLOCAL_HOST: '127.0.0.2', DDLOCAL_PORT: '99999', DDLOCAL_DATA: join(dir, 'unused.db') },
    });
    const r2 = await flagged.ready();
    assert.match(r2.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(r2.store, 'sqlite :memory:');
    assert.equal(existsSync(join(dir, 'unused.db')), false);
    assert.equal((await flagged.stop()).code, 0);
  });

  test('--data :memory: creates no file and keeps nothing across a restart', async () => {
    const cwd = tempDir();
    let serve = new Serve(['--port', '0', '--data', ':memory:'], { cwd });
    let ready = await serve.ready();
    assert.equal(ready.store, 'sqlite :memory:');
    assert.equal((await health(ready.url)).store, 'sqlite');
    await createThing(ready.url, 'ephemeral');
    assert.deepEqual(await thingNames(ready.url), ['ephemeral']);
    assert.equal(existsSync(join(cwd, '.ddlocal')), false);
    assert.equal((await serve.stop()).code, 0);
    serve = new Serve(['--port', '0', '--data', ':memory:'], { cwd });
    ready = await serve.ready();
    assert.deepEqual(await thingNames(ready.url), []);
    assert.equal((await serve.stop()).code, 0);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`${signal}: the in-flight request completes, new connections are refused, exit 0, SQLite closed cleanly`, async () => {
      const dataFile = join(tempDir(), 'shutdown.db');
      const serve = new Serve(['--port', '0', '--data', dataFile]);
      const { port } = await serve.ready();
      const thingName = `in-flight-${signal.toLowerCase()}`;
      const body = JSON.stringify({ attributePayload: { attributes: { signal } } });
      const upload = await startUpload(port, `/things/${thingName}`, body, 10);
      // The request is being received (headers parsed, body incomplete) when the signal arrives.
      await new Promise((r) => setTimeout(r, 200));
      serve.child.kill(signal);
      await serve.waitForLine((l) => l.includes('"shutting down"') && l.includes(signal), 'the shutdown log line');
      // The listening socket closes on the server's next event-loop turn; poll briefly rather than race it.
      let refused = false;
      for (let i = 0; i < 40 && !refused; i++) {
        refused = !(await accepts(port));
        if (!refused) await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(refused, 'new connections are refused while the in-flight request is pending');
      assert.equal(serve.child.exitCode, null, 'still running while a request is in flight');
      upload.socket.write(body.slice(10));
      const response = await upload.response;
      assert.match(response, /^HTTP\/1\.1 200 /, response);
      assert.match(response, /\r\nConnection: close\r\n/i, response);
      assert.match(response, new RegExp(`"thingName":"${thingName}"`), response);
      assert.deepEqual(await serve.exited, { code: 0, signal: null }, serve.stderr);
      assert.equal(serve.stderr, '');

      // Closed cleanly: the WAL was checkpointed into the database and removed; the file opens and is intact.
      assert.equal(existsSync(`${dataFile}-wal`), false, 'no WAL file left behind');
      const db = new SQLite(dataFile, { readonly: true, fileMustExist: true });
      try {
        assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      } finally {
        db.close();
      }
      // …and ddlocal reopens it with the in-flight request's change committed.
      const again = new Serve(['--port', '0', '--data', dataFile]);
      const ready = await again.ready();
      const iot = iotClient(ready.url, '000000000000'); // the unsigned raw request used the default account
      try {
        const thing = await iot.send(new DescribeThingCommand({ thingName }));
        assert.deepEqual(thing.attributes, { signal });
      } finally {
        iot.destroy();
      }
      assert.equal((await again.stop()).code, 0);
    });
  }

  test('a signal sent the moment the ready line appears still shuts down gracefully (handlers come first)', async () => {
    // Regression: the ready line used to be printed before the signal handlers were installed, so a supervisor
    // that stopped ddlocal right after reading it sometimes killed the process outright (exit by signal).
    for (let i = 0; i < 6; i++) {
      const serve = new Serve(['--port', '0', '--data', ':memory:']);
      await serve.ready();
      assert.deepEqual(await serve.stop(i % 2 ? 'SIGINT' : 'SIGTERM'), { code: 0, signal: null }, `attempt ${i}`);
    }
  });

  test('data survives a restart on the same --data file', async () => {
    const dataFile = join(tempDir(), 'durable.db');
    let serve = new Serve(['--port', '0', '--data', dataFile]);
    let { url } = await serve.ready();
    await createThing(url, 'durable-1');
    await createThing(url, 'durable-2');
    assert.equal((await serve.stop()).code, 0);
    serve = new Serve(['--port', '0', '--data', dataFile]);
    ({ url } = await serve.ready());
    assert.deepEqual(await thingNames(url), ['durable-1', 'durable-2']);
    assert.equal((await serve.stop('SIGINT')).code, 0);
  });

  test('data survives a restart on the same --database-url; DDLOCAL_DATABASE_URL works like the flag', async () => {
    const databaseUrl = await createTestDatabase();
    let serve = new Serve(['--port', '0', '--database-url', databaseUrl]);
    let ready = await serve.ready();
    assert.equal(ready.store, 'postgres');
    assert.equal((await health(ready.url)).store, 'postgres');
    await createThing(ready.url, 'pg-durable');
    assert.equal((await serve.stop()).code, 0);

    serve = new Serve(['--port', '0'], { env: { DDLOCAL_DATABASE_URL: databaseUrl } });
    ready = await serve.ready();
    assert.equal(ready.store, 'postgres');
    assert.deepEqual(await thingNames(ready.url), ['pg-durable']);
    assert.equal((await serve.stop()).code, 0);
  });

  test('bad options: a clear one-line message, non-zero exit, no stack trace', async () => {
    assertCleanStartError(await failedStart(['--port', '99999']), 2, /^ddlocal serve: --port must be an integer from 0 to 65535, got '99999'$/);
    assertCleanStartError(await failedStart([], { DDLOCAL_PORT: '-1' }), 2, /--port must be an integer from 0 to 65535, got '-1'$/);
    assertCleanStartError(await failedStart(['--port', '0', '--database-url', 'mysql://db/x']), 2, /--database-url must start with postgres:\/\//);
    assertCleanStartError(await failedStart(['--port', '0', '--log-level', 'loud']), 2, /--log-level must be one of/);
    assertCleanStartError(await failedStart(['--port', '0', '--data', '/etc/hostname/x.db']), 1, /^ddlocal serve: cannot open the SQLite file \/etc\/hostname\/x\.db: /);
    for (const bad of ['0', '-5', 'soon'])
      assertCleanStartError(
        await failedStart(['--port', '0', '--data', ':memory:'], { DDLOCAL_SNS_DELIVERY_DEADLINE_SECONDS: bad }),
        2,
        new RegExp(`^ddlocal serve: DDLOCAL_SNS_DELIVERY_DEADLINE_SECONDS must be a positive number of seconds, got "${bad}"$`),
      );
  });

  test('start-up notice when the CVE-2008-0166 key test has no blocklist, and none when one is configured', async () => {
    const bare = new Serve(['--port', '0', '--data', ':memory:']);
    await bare.ready();
    const notice = JSON.parse(await bare.waitForLine((l) => l.includes('CVE-2008-0166'), 'the weak-key notice'));
    assert.equal(notice.level, 40, 'logged as a warning');
    assert.match(notice.msg, /DDLOCAL_WEAK_KEY_BLOCKLISTS/);
    assert.equal((await bare.stop()).code, 0);
    const blocklist = join(tempDir(), 'blacklist.RSA-2048');
    writeFileSync(blocklist, '# openssl-blacklist\n');
    const configured = new Serve(['--port', '0', '--data', ':memory:'], { env: { DDLOCAL_WEAK_KEY_BLOCKLISTS: blocklist } });
    await configured.ready();
    assert.equal((await configured.stop()).code, 0);
    assert.doesNotMatch(configured.stdout, /CVE-2008-0166/);
  });

  test('an unreachable database: a clear message naming it (password hidden), exit 1, no stack trace', async () => {
    const port = await freePort(); // nothing listens there
    const r = await failedStart(['--port', '0', '--database-url', `postgres://ddlocal:s3cret@127.0.0.1:${port}/ddlocal`]);
    // The driver's own words, not a failed "migration" that never started.
    assertCleanStartError(r, 1, new RegExp(`^ddlocal serve: cannot open the PostgreSQL database postgres://ddlocal:\\*\\*\\*@127\\.0\\.0\\.1:${port}/ddlocal: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}$`));
    assert.doesNotMatch(r.stderr, /s3cret/);
    const env = await failedStart(['--port', '0'], { DDLOCAL_DATABASE_URL: `postgres://127.0.0.1:${port}/x` });
    assertCleanStartError(env, 1, /cannot open the PostgreSQL database/);
  });

  test('a port in use: a clear message, exit 1, no stack trace', async () => {
    const first = new Serve(['--port', '0', '--data', ':memory:']);
    const { port } = await first.ready();
    try {
      assertCleanStartError(
        await failedStart(['--port', String(port), '--data', ':memory:']),
        1,
        new RegExp(`^ddlocal serve: cannot listen on 127\\.0\\.0\\.1:${port}: the address is already in use \\(try --port 0\\)$`),
      );
    } finally {
      assert.equal((await first.stop()).code, 0);
    }
  });
});
