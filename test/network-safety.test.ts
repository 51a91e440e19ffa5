// Safe by default on a network, over real HTTP: requests addressed to a foreign Host (DNS rebinding) and browser
// requests from another origin are refused with 403 before anything is read or changed — checked through the API
// afterwards — while loopback clients are served as always; allow-lists widen that; and `ddlocal serve` (the real
// bin/ddlocal.js) refuses open mode on a non-loopback address unless told, then warns (docs/decisions.md#w18,
// docs/decisions.md#w19, docs/decisions.md#w20).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CreateThingCommand, DescribeThingCommand, ListThingsCommand, type IoTClient } from '@aws-sdk/client-iot';
import { startTestServer, tempDataFile, type TestServer } from './helpers/server.js';
import { assertAwsError, rawRequest, rawSocket, type RawResponse } from './helpers/raw-http.js';
import { startDdlocal } from '../src/server/app.js';
import { ConfigurationError, readConfig } from '../src/server/config.js';

const BIN = fileURLToPath(new URL('../../bin/ddlocal.js', import.meta.url));
const READY = /^ddlocal \S+ listening on (http:\/\/\S+) \(store: .+\)$/;
const STACK_LINE = /^\s+at .+/m;

const thingPath = (name: string) => `/things/${name}`;

async function thingNames(iot: IoTClient): Promise<string[]> {
  return ((await iot.send(new ListThingsCommand({}))).things ?? []).map((t) => t.thingName!).sort();
}

function assertRefused(res: RawResponse, header: 'Host' | 'Origin' | 'Sec-Fetch-Site', context: string): string {
  const message = assertAwsError(res, 'AccessDeniedException', 403, context);
  assert.ok(message.startsWith(`The ${header} header '`), `${context}: ${message}`);
  // No CORS: a browser script never gets to read the answer.
  for (const name of Object.keys(res.headers)) assert.ok(!name.startsWith('access-control-'), `${context}: ${name}`);
  return message;
}

describe('a running ddlocal refuses foreign hosts and other origins', () => {
  let server: TestServer;
  let iot: IoTClient;
  let own: string;
  before(async () => {
    server = await startTestServer('sqlite');
    iot = server.iot();
    own = `127.0.0.1:${server.port}`;
  });
  after(async () => {
    iot.destroy();
    await server.close();
  });

  test('loopback clients are served as before: the SDK, and raw requests to localhost, 127.0.0.1 and [::1] names', async () => {
    await iot.send(new CreateThingCommand({ thingName: 'served' }));
    for (const host of [own, `localhost:${server.port}`, `[::1]:${server.port}`, 'LOCALHOST.']) {
      const res = await rawRequest(server.url, { path: '/_ddlocal/health', headers: { host } });
      assert.equal(res.status, 200, `${host}: ${res.text}`);
    }
  });

  test('a foreign Host header (DNS rebinding) is 403 for AWS paths and /_ddlocal/, and nothing is created', async () => {
    const body = JSON.stringify({ attributePayload: { attributes: { by: 'rebinding' } } });
    for (const host of [`evil.example:${server.port}`, 'attacker.test', `127.0.0.1.evil.example:${server.port}`]) {
      const res = await rawRequest(server.url, {
        method: 'POST',
        path: thingPath('rebound'),
        headers: { host, 'content-type': 'application/json' },
        body,
      });
      const message = assertRefused(res, 'Host', host);
      assert.ok(message.includes(`'${host}'`) && message.includes('DDLOCAL_ALLOWED_HOSTS'), message);
      assertRefused(await rawRequest(server.url, { path: '/_ddlocal/health', headers: { host } }), 'Host', host);
      assertRefused(
        await rawRequest(server.url, { method: 'POST', path: '/_ddlocal/reset', headers: { host }, body: '{}' }),
        'Host',
        `${host} reset`,
      );
    }
    await assert.rejects(iot.send(new DescribeThingCommand({ thingName: 'rebound' })), { name: 'ResourceNotFoundException' });
    assert.ok((await thingNames(iot)).includes('served'), 'served is gone: the reset from a foreign host was carried out');
  });

  test('HTTP/1.1 without Host is a 400; HTTP/1.0 without Host is served', async () => {
    const noHost = await rawSocket(server.port, 'GET /_ddlocal/health HTTP/1.1\r\nConnection: close\r\n\r\n');
    assert.match(assertAwsError(noHost, 'InvalidRequestException', 400), /no Host header/);
    const http10 = await rawSocket(server.port, 'GET /_ddlocal/health HTTP/1.0\r\n\r\n');
    assert.equal(http10.json?.status, 'ok', http10.raw);
  });

  test('a cross-origin text/plain POST of CreateThing (a "simple" request, no preflight) is 403 and creates nothing', async () => {
    const body = JSON.stringify({ attributePayload: { attributes: { by: 'webpage' } } });
    const attempts: Record<string, string>[] = [
      { origin: 'http://127.0.0.1:1', 'sec-fetch-site': 'same-site' },
      { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      { origin: 'null', 'sec-fetch-site': 'cross-site' },
      { origin: `http://localhost:${server.port}` }, // another name of this machine is another origin
      { 'sec-fetch-site': 'cross-site' }, // a form navigation may carry no Origin
    ];
    for (const headers of attempts) {
      const res = await rawRequest(server.url, {
        method: 'POST',
        path: thingPath('from-a-page'),
        headers: { host: own, 'content-type': 'text/plain;charset=UTF-8', ...headers },
        body,
      });
      assertRefused(res, headers.origin ? 'Origin' : 'Sec-Fetch-Site', JSON.stringify(headers));
    }
    await assert.rejects(iot.send(new DescribeThingCommand({ thingName: 'from-a-page' })), { name: 'ResourceNotFoundException' });
  });

  test('POST /_ddlocal/reset and the clock endpoints from another origin are refused; state and clock unchanged', async () => {
    await iot.send(new CreateThingCommand({ thingName: 'survives-reset' }));
    const sameOrigin = { host: own, origin: `http://${own}`, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' };
    const frozen = await rawRequest(server.url, { method: 'POST', path: '/_ddlocal/clock', headers: sameOrigin, body: '{"freeze":true}' });
    assert.equal(frozen.status, 200, `a same-origin page is served: ${frozen.text}`);
    const foreign = { host: own, origin: 'http://attacker.test:8080', 'content-type': 'text/plain' };
    for (const [path, body] of [
      ['/_ddlocal/reset', '{}'],
      ['/_ddlocal/reset', '{"accountId":"123456789012"}'],
      ['/_ddlocal/clock', '{"advanceSeconds":31536000}'],
      ['/_ddlocal/clock', '{"reset":true}'],
    ] as const) {
      assertRefused(await rawRequest(server.url, { method: 'POST', path, headers: foreign, body }), 'Origin', `${path} ${body}`);
    }
    assertRefused(await rawRequest(server.url, { path: '/_ddlocal/clock', headers: foreign }), 'Origin', 'GET clock');
    const clock = await rawRequest(server.url, { path: '/_ddlocal/clock' });
    // A frozen clock's offset from system time grows as real time passes; its time and mode must not change.
    assert.deepEqual([clock.json.now, clock.json.mode], [frozen.json.now, 'fixed'], 'the clock did not move');
    assert.ok((await thingNames(iot)).includes('survives-reset'), 'survives-reset is gone: the data was reset');
  });

  test('a cross-origin OPTIONS (CORS preflight) gets the same 403, without CORS headers', async () => {
    const res = await rawRequest(server.url, {
      method: 'OPTIONS',
      path: thingPath('preflight'),
      headers: {
        host: own,
        origin: 'https://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    assertRefused(res, 'Origin', 'preflight');
  });

  test('the body of a refused request is not read: an oversize or broken body still gets the 403, and the connection serves on', async () => {
    const foreign = { host: own, origin: 'https://evil.example' };
    // The client is still writing when the refusal is decided: the rest is read and dropped, so it reads the 403.
    const outcomes: string[] = [];
    for (const connection of ['keep-alive', 'close'])
      for (const chunkSize of [undefined, 256 * 1024]) {
        const body = Buffer.alloc(16 * 1024 * 1024, 'x');
        outcomes.push(
          await rawRequest(server.url, { method: 'POST', path: thingPath('big'), headers: { ...foreign, connection }, body, chunkSize }).then(
            (r) => `${r.status} ${r.json?.__type}`,
            (err: NodeJS.ErrnoException) => err.code ?? String(err),
          ),
        );
      }
    assert.deepEqual([...new Set(outcomes)], ['403 AccessDeniedException'], outcomes.join(', '));
    const broken = await rawRequest(server.url, { method: 'POST', path: thingPath('broken'), headers: foreign, body: '{"attributePayload":' });
    assertRefused(broken, 'Origin', 'broken JSON');
    // Keep-alive: a refused request, then a served one, on one connection.
    const both = await rawSocket(
      server.port,
      `POST /_ddlocal/reset HTTP/1.1\r\nHost: evil.example\r\nContent-Length: 2\r\n\r\n{}` +
        `GET /_ddlocal/health HTTP/1.1\r\nHost: ${own}\r\nConnection: close\r\n\r\n`,
    );
    assert.match(both.raw, /^HTTP\/1\.1 403 [^]*"AccessDeniedException"[^]*HTTP\/1\.1 200 [^]*"status":"ok"/, both.raw);
  });
});

describe('allow-lists and the listening address widen what is served', () => {
  test('an allowed host and an allowed origin are served; others still refused', async () => {
    const running = await startDdlocal({
      port: 0,
      dataFile: tempDataFile(),
      allowedHosts: ['ddlocal.test', '10.9.8.7:1234'],
      allowedOrigins: ['http://dashboard.test:8080'],
    });
    try {
      const create = (headers: Record<string, string>, name: string) =>
        rawRequest(running.url, { method: 'POST', path: thingPath(name), headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
      assert.equal((await create({ host: `ddlocal.test:${running.port}` }, 'by-allowed-host')).status, 200);
      assert.equal((await create({ host: '10.9.8.7:1234' }, 'by-allowed-host-port')).status, 200);
      assertRefused(await create({ host: '10.9.8.7:4321' }, 'by-other-port'), 'Host', 'other port');
      const allowedOrigin = { host: `ddlocal.test:${running.port}`, origin: 'http://dashboard.test:8080', 'sec-fetch-site': 'cross-site' };
      assert.equal((await create(allowedOrigin, 'by-allowed-origin')).status, 200);
      assertRefused(await create({ ...allowedOrigin, origin: 'http://dashboard.test:8081' }, 'by-other-origin'), 'Origin', 'other origin');
      const names = (await rawRequest(running.url, { path: '/things' })).json.things.map((t: { thingName: string }) => t.thingName).sort();
      assert.deepEqual(names, ['by-allowed-host', 'by-allowed-host-port', 'by-allowed-origin']);
    } finally {
      await running.close();
    }
  });

  test('startDdlocal: open mode on 0.0.0.0 is refused unless allowed; then the Host must still be allowed', async () => {
    await assert.rejects(startDdlocal({ port: 0, dataFile: ':memory:', host: '0.0.0.0' }), (err: Error) => {
      assert.ok(err instanceof ConfigurationError);
      assert.match(err.message, /^refusing to listen on 0\.0\.0\.0 in open mode, .*--allow-unauthenticated-network/);
      return true;
    });
    await assert.rejects(startDdlocal({ port: 0, dataFile: ':memory:', authMode: 'strict' }), {
      message: 'strict mode has no credentials: give a credentials file or set DDLOCAL_ACCESS_KEY_ID, DDLOCAL_SECRET_ACCESS_KEY and DDLOCAL_ACCOUNT_ID',
    });
    await assert.rejects(startDdlocal({ port: 0, dataFile: ':memory:', allowedOrigins: ['dashboard.test'] }), {
      message: "allowed origin 'dashboard.test' is not an origin such as http://localhost:3000",
    });
    const running = await startDdlocal({ port: 0, dataFile: ':memory:', host: '0.0.0.0', allowUnauthenticatedNetwork: true });
    try {
      const base = `http://127.0.0.1:${running.port}`;
      assert.equal((await rawRequest(base, { path: '/_ddlocal/health' })).status, 200);
      assertRefused(await rawRequest(base, { path: '/_ddlocal/health', headers: { host: `0.0.0.0:${running.port}` } }), 'Host', '0.0.0.0');
      assertRefused(await rawRequest(base, { path: '/_ddlocal/health', headers: { host: `myhost.lan:${running.port}` } }), 'Host', 'a LAN name');
    } finally {
      await running.close();
    }
  });

  test('the settings: flags repeat or take commas, bad entries and strict mode are refused by name', () => {
    const config = readConfig(
      { allowedHosts: ['a.test', 'b.test:81,[fd00::1]'], allowedOrigins: ['http://x.test:3000/'], allowUnauthenticatedNetwork: true },
      { DDLOCAL_ALLOWED_HOSTS: 'ignored.test', DDLOCAL_ALLOW_UNAUTHENTICATED_NETWORK: 'maybe' },
    );
    assert.deepEqual(
      [config.allowedHosts, config.allowedOrigins, config.allowUnauthenticatedNetwork, config.authMode],
      [['a.test', 'b.test:81', '[fd00::1]'], ['http://x.test:3000/'], true, 'open'],
    );
    const env = readConfig({}, { DDLOCAL_ALLOWED_ORIGINS: ' http://a.test , https://b.test ', DDLOCAL_ALLOW_UNAUTHENTICATED_NETWORK: '1' });
    assert.deepEqual([env.allowedOrigins, env.allowUnauthenticatedNetwork], [['http://a.test', 'https://b.test'], true]);
    assert.throws(() => readConfig({ allowedHosts: 'ok.test,http://no.test' }, {}), {
      message: "--allowed-host must be host names or addresses with an optional port, such as ddlocal.internal or 10.0.0.5:4580, got 'http://no.test'",
    });
    assert.throws(() => readConfig({}, { DDLOCAL_ALLOWED_ORIGINS: 'null' }), {
      message: "--allowed-origin must be origins such as http://localhost:3000, got 'null'",
    });
    assert.equal(readConfig({ authMode: 'strict' }, {}).authMode, 'strict');
    assert.throws(() => readConfig({}, { DDLOCAL_AUTH_MODE: 'closed' }), { message: "--auth-mode must be open or strict, got 'closed'" });
    assert.throws(() => readConfig({}, { DDLOCAL_ALLOW_UNAUTHENTICATED_NETWORK: 'maybe' }), {
      message: 'DDLOCAL_ALLOW_UNAUTHENTICATED_NETWORK must be true or false, got "maybe"',
    });
  });
});

/** Runs the real `ddlocal serve` until its ready line (then returns) or its exit. */
async function serve(args: string[], env: Record<string, string> = {}) {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('DDLOCAL_')) clean[k] = v;
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data', ':memory:', ...args], {
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve((exitCode = code))));
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const isReady = () => stdout.split('\n').some((l) => READY.test(l));
  while (!isReady() && exitCode === undefined) await new Promise((r) => setTimeout(r, 50));
  const ready = isReady();
  const lines = () => stdout.split('\n').filter((l) => l !== '');
  const stop = async () => {
    child.kill('SIGTERM');
    const code = await exited;
    clearTimeout(killer);
    return code;
  };
  if (!ready) clearTimeout(killer);
  return { ready: Boolean(ready), exited, lines, stderr: () => stderr, stop };
}

describe('ddlocal serve on a non-loopback address', () => {
  test('open mode on 0.0.0.0 refuses to start, with one plain sentence and exit code 2', async () => {
    for (const [args, env] of [
      [['--host', '0.0.0.0'], {}],
      [[], { DDLOCAL_HOST: '0.0.0.0' }],
      [['--host', '0.0.0.0'], { DDLOCAL_ALLOW_UNAUTHENTICATED_NETWORK: 'false' }],
    ] as const) {
      const run = await serve([...args], { ...env });
      assert.equal(run.ready, false, run.lines().join('\n'));
      assert.equal(await run.exited, 2, run.stderr());
      assert.doesNotMatch(run.stderr(), STACK_LINE);
      assert.match(
        run.stderr(),
        /^ddlocal serve: refusing to listen on 0\.0\.0\.0 in open mode, where no caller is authenticated: .*--allow-unauthenticated-network \(DDLOCAL_ALLOW_UNAUTHENTICATED_NETWORK=true\)[^\n]*\n$/,
      );
    }
  });

  test('--auth-mode strict without credentials is refused at start-up; a bad --allowed-host too', async () => {
    const strict = await serve(['--auth-mode', 'strict']);
    assert.equal(await strict.exited, 2);
    assert.equal(
      strict.stderr(),
      'ddlocal serve: strict mode has no credentials: give a credentials file or set DDLOCAL_ACCESS_KEY_ID, ' +
        'DDLOCAL_SECRET_ACCESS_KEY and DDLOCAL_ACCOUNT_ID\n',
    );
    const badHost = await serve(['--allowed-host', 'http://ddlocal.test']);
    assert.equal(await badHost.exited, 2);
    assert.match(badHost.stderr(), /^ddlocal serve: --allowed-host must be host names .*, got 'http:\/\/ddlocal\.test'\n$/);
  });

  for (const [how, args, env] of [
    ['--allow-unauthenticated-network', ['--allow-unauthenticated-network'], {}],
    ['DDLOCAL_ALLOW_UNAUTHENTICATED_NETWORK=1', [], { DDLOCAL_ALLOW_UNAUTHENTICATED_NETWORK: '1' }],
  ] as const) {
    test(`with ${how} it starts, warns before the ready line, and still checks the Host header`, async () => {
      const run = await serve(['--host', '0.0.0.0', '--allowed-host', 'ddlocal.test', '--allowed-host', 'other.test,third.test', ...args], { ...env });
      try {
        assert.ok(run.ready, run.stderr());
        const lines = run.lines();
        // Start-up: the network warning first, the weak-key notice, then the ready line, the last line of start-up.
        assert.equal(lines.length, 3, lines.join('\n'));
        assert.deepEqual(JSON.parse(lines[0]!), {
          level: 40,
          time: JSON.parse(lines[0]!).time,
          msg:
            'open mode on 0.0.0.0 with --allow-unauthenticated-network: no caller is authenticated, anyone who can reach ' +
            'this address can change every account and the clock',
        });
        assert.match(JSON.parse(lines[1]!).msg, /^CVE-2008-0166 key-quality test is inactive/);
        const url = READY.exec(lines[2]!)![1]!;
        const base = `http://127.0.0.1:${new URL(url).port}`;
        for (const host of ['ddlocal.test', 'other.test:9', 'third.test'])
          assert.equal((await rawRequest(base, { path: '/_ddlocal/health', headers: { host } })).status, 200, host);
        assertRefused(await rawRequest(base, { path: '/_ddlocal/health', headers: { host: 'evil.example' } }), 'Host', 'evil.example');
      } finally {
        assert.equal(await run.stop(), 0);
      }
    });
  }

  test('open mode on loopback starts as before: no warning about the network, the ready line last', async () => {
    const run = await serve(['--host', '127.0.0.1', '--log-level', 'warn']);
    try {
      assert.ok(run.ready, run.stderr());
      assert.ok(!run.lines().some((l) => l.includes('open mode on')), run.lines().join('\n'));
      assert.match(run.lines().at(-1)!, READY);
    } finally {
      assert.equal(await run.stop(), 0);
    }
  });
});
