// Audit suppressions CRUD + List (docs/decisions.md#a8, #a29, #a30, #a42) over HTTP with the SDK, on both stores.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateAuditSuppressionCommand,
  DeleteAuditSuppressionCommand,
  DescribeAuditSuppressionCommand,
  ListAuditSuppressionsCommand,
  UpdateAuditSuppressionCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { forEachStore, errorOf, type TestServer } from './helpers/server.js';
import { MAX_SUPPRESSIONS } from '../src/audit/api/suppressions.js';

const DAY = 86_400_000;
const cert = (c: string) => ({ deviceCertificateId: c.repeat(64) });

async function assertError(p: () => Promise<unknown>, name: string, status: number, pattern?: RegExp) {
  const err = await errorOf(p);
  assert.equal(err.name, name);
  assert.equal(err.$metadata?.httpStatusCode, status);
  if (pattern) assert.match(err.message, pattern);
}

forEachStore('audit suppressions', (suite) => {
  let server: TestServer;
  let iot: IoTClient;
  const future = () => new Date(Date.now() + 10 * DAY);
  before(() => ({ server, iot } = suite));

  test('create, describe (normalised id, caller spelling), duplicate key, idempotent token', async () => {
    const key = { checkName: 'DEVICE_CERTIFICATE_EXPIRING_CHECK', resourceIdentifier: cert('A') };
    await iot.send(new CreateAuditSuppressionCommand({ ...key, suppressIndefinitely: true, description: 'lab', clientRequestToken: 't1' }));
    await iot.send(new CreateAuditSuppressionCommand({ ...key, suppressIndefinitely: true, description: 'lab', clientRequestToken: 't1' }));
    const d = await iot.send(
      new DescribeAuditSuppressionCommand({ checkName: key.checkName, resourceIdentifier: cert('a') }),
    );
    assert.equal(d.checkName, key.checkName);
    assert.deepEqual(d.resourceIdentifier, cert('A'));
    assert.equal(d.suppressIndefinitely, true);
    assert.equal(d.expirationDate, undefined);
    assert.equal(d.description, 'lab');
    await assertError(
      () => iot.send(new CreateAuditSuppressionCommand({ ...key, suppressIndefinitely: true, clientRequestToken: 't2' })),
      'ResourceAlreadyExistsException',
      409,
    );
    await assertError(
      () => iot.send(new CreateAuditSuppressionCommand({ ...key, expirationDate: future(), clientRequestToken: 't1' })),
      'InvalidRequestException',
      400,
      /clientRequestToken was already used with different parameters/,
    );
  });

  test('lifetime and identifier validation', async () => {
    const base = { checkName: 'DEVICE_CERTIFICATE_AGE_CHECK', resourceIdentifier: cert('b') };
    await assertError(() => iot.send(new CreateAuditSuppressionCommand({ ...base, suppressIndefinitely: true, expirationDate: future() })), 'InvalidRequestException', 400, /not both/);
    await assertError(() => iot.send(new CreateAuditSuppressionCommand(base)), 'InvalidRequestException', 400, /needs an expirationDate/);
    await assertError(() => iot.send(new CreateAuditSuppressionCommand({ ...base, expirationDate: new Date(Date.now() - DAY) })), 'InvalidRequestException', 400, /not in the future/);
    await assertError(() => iot.send(new CreateAuditSuppressionCommand({ ...base, checkName: 'REVOKED_DEVICE_CERT_CHECK', suppressIndefinitely: true })), 'InvalidRequestException', 400, /REVOKED_DEVICE_CERT_CHECK/);
    await assertError(() => iot.send(new CreateAuditSuppressionCommand({ ...base, resourceIdentifier: { caCertificateId: 'c'.repeat(64) }, suppressIndefinitely: true })), 'InvalidRequestException', 400, /deviceCertificateId/);
    await assertError(() => iot.send(new CreateAuditSuppressionCommand({ checkName: 'LOGGING_DISABLED_CHECK', resourceIdentifier: { account: '999999999999' }, suppressIndefinitely: true })), 'InvalidRequestException', 400, /caller's account/);
    await assertError(() => iot.send(new CreateAuditSuppressionCommand({ checkName: 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK', resourceIdentifier: { policyVersionIdentifier: { policyName: 'p' } }, suppressIndefinitely: true })), 'InvalidRequestException', 400, /policyVersionId/);
  });

  test('update: date ends indefiniteness, revive an expired one, missing → RNF; delete missing → 200', async () => {
    const key = { checkName: 'CONFLICTING_CLIENT_IDS_CHECK', resourceIdentifier: { clientId: 'dup' } };
    await iot.send(new CreateAuditSuppressionCommand({ ...key, suppressIndefinitely: true }));
    const date = future();
    await iot.send(new UpdateAuditSuppressionCommand({ ...key, expirationDate: date }));
    let d = await iot.send(new DescribeAuditSuppressionCommand(key));
    assert.equal(d.suppressIndefinitely, undefined);
    assert.equal(d.expirationDate!.getTime(), date.getTime());
    await assertError(() => iot.send(new UpdateAuditSuppressionCommand({ ...key, expirationDate: date, suppressIndefinitely: true })), 'InvalidRequestException', 400);
    server.clock.advance(20 * 86_400);
    try {
      d = await iot.send(new DescribeAuditSuppressionCommand(key)); // expired suppressions stay describable
      assert.equal(d.expirationDate!.getTime(), date.getTime());
      await iot.send(new UpdateAuditSuppressionCommand({ ...key, suppressIndefinitely: true, description: 'again' }));
      d = await iot.send(new DescribeAuditSuppressionCommand(key));
      assert.equal(d.suppressIndefinitely, true);
      assert.equal(d.description, 'again');
    } finally {
      server.clock.reset();
    }
    await assertError(() => iot.send(new UpdateAuditSuppressionCommand({ checkName: key.checkName, resourceIdentifier: { clientId: 'none' }, suppressIndefinitely: true })), 'ResourceNotFoundException', 404);
    await assertError(() => iot.send(new DescribeAuditSuppressionCommand({ checkName: key.checkName, resourceIdentifier: { clientId: 'none' } })), 'ResourceNotFoundException', 404);
    await iot.send(new DeleteAuditSuppressionCommand(key));
    await iot.send(new DeleteAuditSuppressionCommand(key));
    await assertError(() => iot.send(new DescribeAuditSuppressionCommand(key)), 'ResourceNotFoundException', 404);
  });

  test('list: ordered by expiration (indefinite last), descending, filters, paging', async () => {
    const a = server.iot('444444444444');
    const names: string[] = [];
    for (let i = 0; i < 9; i++) {
      const clientId = `c${i}`;
      names.push(clientId);
      await a.send(
        new CreateAuditSuppressionCommand({
          checkName: 'CONFLICTING_CLIENT_IDS_CHECK',
          resourceIdentifier: { clientId },
          ...(i === 0 ? { suppressIndefinitely: true } : { expirationDate: new Date(Date.now() + (10 - i) * DAY) }),
        }),
      );
    }
    await a.send(new CreateAuditSuppressionCommand({ checkName: 'LOGGING_DISABLED_CHECK', resourceIdentifier: { account: '444444444444' }, suppressIndefinitely: true }));
    const collect = async (ascendingOrder: boolean) => {
      const out: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await a.send(
          new ListAuditSuppressionsCommand({ checkName: 'CONFLICTING_CLIENT_IDS_CHECK', ascendingOrder, maxResults: 4, nextToken }),
        );
        out.push(...page.suppressions!.map((s) => s.resourceIdentifier!.clientId!));
        nextToken = page.nextToken;
      } while (nextToken);
      return out;
    };
    const ascending = await collect(true);
    assert.deepEqual(ascending, ['c8', 'c7', 'c6', 'c5', 'c4', 'c3', 'c2', 'c1', 'c0']);
    assert.deepEqual(await collect(false), [...ascending].reverse());
    const all = await a.send(new ListAuditSuppressionsCommand({}));
    assert.equal(all.suppressions!.length, 10);
    const one = await a.send(new ListAuditSuppressionsCommand({ checkName: 'CONFLICTING_CLIENT_IDS_CHECK', resourceIdentifier: { clientId: 'c3' } }));
    assert.equal(one.suppressions!.length, 1);
    await assertError(() => a.send(new ListAuditSuppressionsCommand({ resourceIdentifier: { clientId: 'c3' } })), 'InvalidRequestException', 400, /checkName/);
  });

  test(`more than ${MAX_SUPPRESSIONS} suppressions is LimitExceededException`, async () => {
    const accountId = '555555555555';
    // Fill up to the limit through the store (10,000 API calls would only slow the suite down).
    await server.store.transaction(async (tx) => {
      const rows = Array.from({ length: MAX_SUPPRESSIONS }, (_, i) => ({
        account_id: accountId,
        region: 'us-east-1',
        check_name: 'CONFLICTING_CLIENT_IDS_CHECK',
        resource_key: `bulk-${i}`,
        given_check_name: 'CONFLICTING_CLIENT_IDS_CHECK',
        resource_identifier: JSON.stringify({ clientId: `bulk-${i}` }),
        expiration_date: null,
        suppress_indefinitely: 1,
        description: null,
        client_request_token: null,
        request_hash: null,
      }));
      for (let i = 0; i < rows.length; i += 500) await tx.insertInto('audit_suppressions').values(rows.slice(i, i + 500)).execute();
    });
    await assertError(
      () => server.iot(accountId).send(new CreateAuditSuppressionCommand({ checkName: 'CONFLICTING_CLIENT_IDS_CHECK', resourceIdentifier: { clientId: 'one-more' }, suppressIndefinitely: true })),
      'LimitExceededException',
      410,
    );
  });
});
