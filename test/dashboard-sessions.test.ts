// Strict mode's dashboard sessions (src/ui/sessions.ts): they end after 8 hours of real time, a closed one is gone at
// once, and no number of sign-ins keeps more than 10,000 (the oldest go first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sessions, sessionId } from '../src/ui/sessions.js';

const principal = (n: number) => ({ accessKeyId: `AKIA${n}`, accountId: '123456789012', principalArn: `arn:aws:iam::123456789012:user/u${n}` });
const HOUR = 3_600_000;

test('a session ends after 8 hours, or when closed', () => {
  let now = 1_000_000;
  const sessions = new Sessions(() => now);
  const id = sessions.open(principal(1));
  assert.match(id, /^[0-9a-f]{64}$/);
  now += 8 * HOUR - 1;
  assert.equal(sessions.find(id)?.principalArn, 'arn:aws:iam::123456789012:user/u1');
  now += 1;
  assert.equal(sessions.find(id), undefined);
  const other = sessions.open(principal(2));
  sessions.close(other);
  assert.equal(sessions.find(other), undefined);
  assert.equal(sessions.find(undefined), undefined);
});

test('at most 10,000 sessions: the oldest are dropped first', () => {
  const sessions = new Sessions(() => 0);
  const ids = Array.from({ length: 10_002 }, (_, i) => sessions.open(principal(i)));
  assert.equal(sessions.find(ids[0]), undefined);
  assert.equal(sessions.find(ids[1]), undefined);
  assert.equal(sessions.find(ids[2])?.accessKeyId, 'AKIA2');
  assert.equal(sessions.find(ids.at(-1))?.accessKeyId, 'AKIA10001');
});

test('only a well-formed session cookie is read', () => {
  const id = 'a'.repeat(64);
  assert.equal(sessionId(`x=1; ddlocal_session=${id}; y=2`), id);
  assert.equal(sessionId(`ddlocal_session=${id.toUpperCase()}`), undefined);
  assert.equal(sessionId(`ddlocal_session=${id}x`), undefined);
  assert.equal(sessionId(undefined), undefined);
});
