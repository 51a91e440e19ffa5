// Strict mode's dashboard sessions (src/ui/sessions.ts), on both stores: they end after 8 hours of real time, a closed
// one is gone at once, no number of sign-ins keeps more than the limit (the oldest go first), the store holds only a
// hash of each id; and two ddlocal processes sharing one PostgreSQL database share their sessions, so a browser
// signed in through one is signed in behind a load balancer.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openStore, type Store } from '../src/store/store.js';
import { Sessions, sessionId } from '../src/ui/sessions.js';
import { SignInLimit } from '../src/ui/sign-in-limit.js';
import { startDdlocal } from '../src/server/app.js';
import { createTestDatabase } from './helpers/postgres.js';
import { tempDataFile } from './helpers/server.js';
import { rawRequest } from './helpers/raw-http.js';

const principal = (n: number) => ({ accessKeyId: `AKIA${n}`, accountId: '123456789012', principalArn: `arn:aws:iam::123456789012:user/u${n}` });
const HOUR = 3_600_000;

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`dashboard sessions in ${kind}`, () => {
    let store: Store;
    before(async () => {
      store = await openStore(kind === 'sqlite' ? { dataFile: tempDataFile() } : { databaseUrl: await createTestDatabase() });
    });
    after(async () => {
      await store?.close();
    });

    test('a session ends after 8 hours, or when closed; the store keeps only a hash of its id', async () => {
      let now = 1_000_000;
      const sessions = new Sessions(store, () => now);
      const id = await sessions.open(principal(1));
      assert.match(id, /^[0-9a-f]{64}$/);
      const stored = await store.transaction((db) => db.selectFrom('dashboard_sessions').select('session_hash').execute());
      assert.ok(stored.every((r) => r.session_hash !== id), 'the id itself is never stored');
      now += 8 * HOUR - 1;
      assert.equal((await sessions.find(id))?.principalArn, 'arn:aws:iam::123456789012:user/u1');
      now += 1;
      assert.equal(await sessions.find(id), undefined);
      const other = await sessions.open(principal(2));
      await sessions.close(other);
      assert.equal(await sessions.find(other), undefined);
      assert.equal(await sessions.find(undefined), undefined);
    });

    test('at most the limit of sessions: the oldest are dropped first, expired ones before any', async () => {
      let now = 10 * HOUR * 1000;
      const sessions = new Sessions(store, () => now, 5);
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) {
        ids.push(await sessions.open(principal(i)));
        now += 1;
      }
      assert.equal(await sessions.find(ids[0]), undefined);
      assert.equal(await sessions.find(ids[1]), undefined);
      assert.equal((await sessions.find(ids[2]))?.accessKeyId, 'AKIA2');
      assert.equal((await sessions.find(ids[6]))?.accessKeyId, 'AKIA6');
      const count = await store.transaction((db) => db.selectFrom('dashboard_sessions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow());
      assert.equal(Number(count.n), 5);
    });
  });
}

test('only a well-formed session cookie is read', () => {
  const id = 'a'.repeat(64);
  assert.equal(sessionId(`x=1; ddlocal_session=${id}; y=2`), id);
  assert.equal(sessionId(`ddlocal_session=${id.toUpperCase()}`), undefined);
  assert.equal(sessionId(`ddlocal_session=${id}x`), undefined);
  assert.equal(sessionId(undefined), undefined);
});

test('two processes on one PostgreSQL database: a sign-in through one opens pages on the other; sign-out ends it on both', async () => {
  const databaseUrl = await createTestDatabase();
  const key = { accessKeyId: 'AKIAOPERATOR00000000', secretAccessKey: 'operator-secret' };
  const options = {
    port: 0,
    databaseUrl,
    authMode: 'strict' as const,
    credentials: [{ ...key, accountId: '123456789012', principalArn: 'arn:aws:iam::123456789012:user/operator', policies: [{ name: 'read', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] } }] }],
  };
  const a = await startDdlocal(options);
  const b = await startDdlocal(options);
  try {
    // The sign-in form's token comes with its page.
    const form = await rawRequest(a.url, { path: '/ui/sign-in' });
    const formCookie = String(form.headers['set-cookie']).split(';')[0]!;
    const token = formCookie.split('=')[1]!;
    const signIn = await rawRequest(a.url, {
      method: 'POST',
      path: '/ui/sign-in',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: formCookie },
      body: new URLSearchParams({ formToken: token, accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }).toString(),
    });
    assert.equal(signIn.status, 303);
    const session = String(signIn.headers['set-cookie']).split(';')[0]!;
    const page = await rawRequest(b.url, { path: '/ui/123456789012/us-east-1/', headers: { cookie: session } });
    assert.equal(page.status, 200, 'the other process knows the session');
    assert.match(page.text, /arn:aws:iam::123456789012:user\/operator/);

    const signOut = await rawRequest(b.url, {
      method: 'POST',
      path: '/ui/sign-out',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `${session}; ${formCookie}` },
      body: new URLSearchParams({ formToken: token }).toString(),
    });
    assert.equal(signOut.status, 303);
    const after = await rawRequest(a.url, { path: '/ui/123456789012/us-east-1/', headers: { cookie: session } });
    assert.equal(after.status, 302);
    assert.equal(after.headers.location, '/ui/sign-in');
  } finally {
    await a.close();
    await b.close();
  }
});

test('sign-in attempts: after 10 refusals from one address within 15 minutes, it waits; other addresses do not', () => {
  let now = 0;
  const limit = new SignInLimit(() => now);
  for (let i = 0; i < 9; i++) {
    limit.failed('10.0.0.1');
    now += 60_000;
  }
  assert.equal(limit.waitFor('10.0.0.1'), 0);
  limit.failed('10.0.0.1');
  // The first failure (at 0) leaves the window at 15 minutes.
  assert.equal(limit.waitFor('10.0.0.1'), 15 * 60_000 - now);
  assert.equal(limit.waitFor('10.0.0.2'), 0);
  now = 15 * 60_000;
  assert.equal(limit.waitFor('10.0.0.1'), 0);
  limit.failed('10.0.0.1');
  assert.ok(limit.waitFor('10.0.0.1') > 0, 'ten failures in the window again');
});

test('the sign-in page answers 429 once an address has failed 10 times, even for the right secret', async () => {
  const key = { accessKeyId: 'AKIAOPERATOR00000000', secretAccessKey: 'operator-secret' };
  const server = await startDdlocal({
    port: 0,
    dataFile: tempDataFile(),
    authMode: 'strict',
    credentials: [{ ...key, accountId: '123456789012', admin: true }],
  });
  try {
    const token = 'd'.repeat(64);
    const attempt = (secretAccessKey: string) =>
      rawRequest(server.url, {
        method: 'POST',
        path: '/ui/sign-in',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `ddlocal_form=${token}` },
        body: new URLSearchParams({ formToken: token, accessKeyId: key.accessKeyId, secretAccessKey }).toString(),
      });
    for (let i = 0; i < 10; i++) assert.equal((await attempt(`guess-${i}`)).status, 403);
    const locked = await attempt(key.secretAccessKey);
    assert.equal(locked.status, 429);
    assert.match(locked.text, /Too many refused sign-ins from [^ ]+\. Try again in 15 minutes\./);
    assert.equal(locked.headers['set-cookie'], undefined, 'no session');
  } finally {
    await server.close();
  }
});
