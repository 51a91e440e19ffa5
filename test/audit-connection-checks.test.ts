// DEVICE_CERTIFICATE_SHARED_CHECK and CONFLICTING_CLIENT_IDS_CHECK (docs/decisions.md#a14) over lifecycle events
// ingested through POST /_ddlocal/lifecycle-events, evaluated against the real store on both engines.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore, type TestServer } from './helpers/server.js';
import { deviceCertificateSharedCheck } from '../src/audit/checks/device-certificate-shared.js';
import { conflictingClientIdsCheck } from '../src/audit/checks/conflicting-client-ids.js';
import { overlappingSessions, type Session } from '../src/audit/ingest/ingest.js';
import { AUDIT_CHECKS } from '../src/audit/checks/index.js';
import type { AuditCheck } from '../src/audit/checks/check.js';
import { evaluated } from './helpers/check-results.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2030, 0, 15);
const CERT_A = 'a'.repeat(64);
const CERT_B = 'b'.repeat(64);
const CERT_C = 'c'.repeat(64);

let accountSeq = 300000000000;

async function ingest(server: TestServer, account: string, events: unknown[]) {
  const res = await fetch(`${server.url}/_ddlocal/lifecycle-events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `AWS4-HMAC-SHA256 Credential=${account}/20300101/us-east-1/iot/aws4_request, SignedHeaders=host, Signature=x`,
    },
    body: JSON.stringify(events),
  });
  assert.equal(res.status, 200, await res.text());
}

/** A session as its two lifecycle events (or one, when still open). */
function session(id: string, clientId: string, principal: string, from: number, to?: number, reason?: string) {
  const base = { clientId, sessionIdentifier: id, principalIdentifier: principal, versionNumber: 0 };
  const events: unknown[] = [{ ...base, eventType: 'connected', timestamp: from }];
  if (to !== undefined)
    events.push({ ...base, eventType: 'disconnected', timestamp: to, clientInitiatedDisconnect: reason === undefined, ...(reason ? { disconnectReason: reason } : {}) });
  return events;
}

function sess(connectedAt: number, disconnectedAt?: number): Session {
  return { sessionId: `s${connectedAt}`, clientId: 'c', principalId: 'p', identityPoolId: null, authenticated: null, connectedAt, disconnectedAt, disconnectReason: null };
}

test('overlappingSessions: strict overlap, open sessions last to the window end, chains', () => {
  const a = sess(0, 10), b = sess(10, 20), c = sess(15), d = sess(100, 110), e = sess(1, 2);
  // b and c overlap (c is open until 200); a and e overlap; a touches b only at 10; d overlaps the open c.
  const involved = overlappingSessions([a, b, c, d, e], 200);
  assert.deepEqual(new Set(involved), new Set([a, b, c, d, e]));
  assert.equal(overlappingSessions([sess(0, 10), sess(10, 20), sess(20, 30)], 100).size, 0);
  assert.equal(overlappingSessions([sess(0, 10), sess(10, 20), sess(20)], 15).size, 0);
});

forEachStore('connection checks', (suite) => {
  let server: TestServer;
  before(async () => {
    ({ server } = suite);
    server.clock.set(NOW);
  });
  const run = (check: AuditCheck, accountId: string, extra: Record<string, unknown> = {}) =>
    server.store.transaction((db) => check.run({ db, accountId, region: 'us-east-1', now: NOW, configuration: {}, ...extra })).then(evaluated);

  test('both checks are catalogued with their severities', () => {
    assert.equal(AUDIT_CHECKS.get('DEVICE_CERTIFICATE_SHARED_CHECK')?.severity, 'CRITICAL');
    assert.equal(AUDIT_CHECKS.get('CONFLICTING_CLIENT_IDS_CHECK')?.severity, 'HIGH');
  });

  test('no events → compliant with 0 resources', async () => {
    const account = String(++accountSeq);
    assert.deepEqual(await run(deviceCertificateSharedCheck, account), { checked: 0, findings: [] });
    assert.deepEqual(await run(conflictingClientIdsCheck, account), { checked: 0, findings: [] });
  });

  test('shared certificate: overlapping sessions of one certificate; related client ids most recent first', async () => {
    const account = String(++accountSeq);
    const t = NOW - 5 * DAY;
    await ingest(server, account, [
      ...session('a1', 'dev-1', CERT_A, t, t + 2 * HOUR),
      ...session('a2', 'dev-2', CERT_A, t + HOUR), // open: overlaps a1
      ...session('b1', 'dev-3', CERT_B, t, t + HOUR),
      ...session('b2', 'dev-4', CERT_B, t + HOUR, t + 2 * HOUR), // touches b1 only: not shared
      ...session('c1', 'dev-5', CERT_C.toUpperCase(), t, t + HOUR), // ids are case-insensitive
      ...session('c2', 'dev-6', CERT_C, t + 30 * 60_000, t + 3 * HOUR),
      ...session('x1', 'cognito', 'us-east-1:identity', t, t + HOUR), // not a certificate principal
      ...session('x2', 'cognito2', 'us-east-1:identity', t, t + HOUR),
    ]);
    const result = await run(deviceCertificateSharedCheck, account);
    assert.equal(result.checked, 3);
    assert.deepEqual(
      result.findings.map((f) => f.nonCompliantResource.resourceIdentifier),
      [{ deviceCertificateId: CERT_A }, { deviceCertificateId: CERT_C }],
    );
    const a = result.findings[0]!;
    assert.equal(a.nonCompliantResource.resourceType, 'DEVICE_CERTIFICATE');
    assert.equal(a.reasonForNonComplianceCode, 'CERTIFICATE_SHARED_BY_MULTIPLE_DEVICES');
    assert.equal(a.reasonForNonCompliance, 'Certificate shared by one or more devices.');
    assert.deepEqual(a.relatedResources, [
      { resourceType: 'CLIENT_ID', resourceIdentifier: { clientId: 'dev-2' }, additionalInfo: { CONNECTION_TIME: String(t + HOUR) } },
      {
        resourceType: 'CLIENT_ID',
        resourceIdentifier: { clientId: 'dev-1' },
        additionalInfo: { CONNECTION_TIME: String(t), DISCONNECTION_TIME: String(t + 2 * HOUR) },
      },
    ]);
  });

  test('shared certificate window: the last 2 hours and sessions ended before now − 31 days do not count', async () => {
    const account = String(++accountSeq);
    await ingest(server, account, [
      ...session('r1', 'dev-1', CERT_A, NOW - HOUR, NOW - 30 * 60_000), // both inside the last 2 hours
      ...session('r2', 'dev-2', CERT_A, NOW - HOUR),
      ...session('o1', 'dev-3', CERT_B, NOW - 40 * DAY, NOW - 35 * DAY), // ended before the window
      ...session('o2', 'dev-4', CERT_B, NOW - 39 * DAY, NOW - 34 * DAY),
    ]);
    assert.deepEqual(await run(deviceCertificateSharedCheck, account), { checked: 0, findings: [] });
    // The conflicting-client-ids window reaches now, but these sessions have distinct client ids.
    assert.deepEqual((await run(conflictingClientIdsCheck, account)).findings, []);
    // A scheduled run passing its previous start narrows the window, as AWS documents for scheduled audits.
    await ingest(server, account, session('r3', 'dev-5', CERT_C, NOW - 10 * DAY, NOW - 9 * DAY).concat(session('r4', 'dev-6', CERT_C, NOW - 10 * DAY)));
    assert.equal((await run(deviceCertificateSharedCheck, account)).findings.length, 1);
    // r4 is still open, so it meets any window: the finding stays; r3 alone (closed before the window) does not.
    const narrowed = await run(deviceCertificateSharedCheck, account, { previousRunStart: NOW - DAY });
    assert.equal(narrowed.findings.length, 0);
    assert.equal(narrowed.checked, 1);
  });

  test('conflicting client ids: overlap and DUPLICATE_CLIENTID disconnects; related principals', async () => {
    const account = String(++accountSeq);
    const t = NOW - 3 * DAY;
    await ingest(server, account, [
      // Overlapping sessions of one client id from two certificates.
      ...session('o1', 'shared-id', CERT_A, t, t + 2 * HOUR),
      ...session('o2', 'shared-id', CERT_B, t + HOUR, t + 3 * HOUR),
      // The broker kicks d1 when d2 connects: the intervals only touch, the disconnect reason tells.
      ...session('d1', 'kicked', CERT_C, t, t + HOUR, 'DUPLICATE_CLIENTID'),
      ...session('d2', 'kicked', CERT_A, t + HOUR),
      // Sequential reconnects of one device: fine.
      ...session('n1', 'fine', CERT_A, t, t + HOUR),
      ...session('n2', 'fine', CERT_A, t + 2 * HOUR, t + 3 * HOUR),
    ]);
    const result = await run(conflictingClientIdsCheck, account);
    assert.equal(result.checked, 3);
    assert.deepEqual(
      result.findings.map((f) => [f.nonCompliantResource.resourceType, f.nonCompliantResource.resourceIdentifier, f.reasonForNonComplianceCode]),
      [
        ['CLIENT_ID', { clientId: 'kicked' }, 'DUPLICATE_CLIENT_ID_ACROSS_CONNECTIONS'],
        ['CLIENT_ID', { clientId: 'shared-id' }, 'DUPLICATE_CLIENT_ID_ACROSS_CONNECTIONS'],
      ],
    );
    assert.equal(result.findings[1]!.reasonForNonCompliance, 'Client ID was used by 2 connections that displaced each other.');
    assert.deepEqual(result.findings[1]!.relatedResources, [
      {
        resourceType: 'DEVICE_CERTIFICATE',
        resourceIdentifier: { deviceCertificateId: CERT_B },
        additionalInfo: { CONNECTION_TIME: String(t + HOUR), DISCONNECTION_TIME: String(t + 3 * HOUR) },
      },
      {
        resourceType: 'DEVICE_CERTIFICATE',
        resourceIdentifier: { deviceCertificateId: CERT_A },
        additionalInfo: { CONNECTION_TIME: String(t), DISCONNECTION_TIME: String(t + 2 * HOUR) },
      },
    ]);
    assert.deepEqual(
      result.findings[0]!.relatedResources!.map((r) => r.resourceIdentifier),
      [{ deviceCertificateId: CERT_A }, { deviceCertificateId: CERT_C }],
    );
  });
});
