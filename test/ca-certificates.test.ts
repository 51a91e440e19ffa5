// CA certificates and the registration code through the official SDK against a real server.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  DeleteCACertificateCommand,
  DeleteRegistrationCodeCommand,
  DescribeCACertificateCommand,
  GetRegistrationCodeCommand,
  ListCACertificatesCommand,
  ListTagsForResourceCommand,
  RegisterCACertificateCommand,
  UpdateCACertificateCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { forEachStore, errorOf, type TestServer } from './helpers/server.js';
import { rawRequest } from './helpers/raw-http.js';
import { makeCa, makeCertificate, makeRsa1024Certificate, makeVerificationCertificate, type TestCertificate } from './helpers/certs.js';

const REGION = 'us-east-1';

function assertError(err: { name: string; $metadata?: { httpStatusCode?: number }; message: string }, name: string, status: number, message?: RegExp) {
  assert.equal(err.name, name, err.message);
  assert.equal(err.$metadata?.httpStatusCode, status);
  if (message) assert.match(err.message, message);
}

async function code(iot: IoTClient): Promise<string> {
  return (await iot.send(new GetRegistrationCodeCommand({}))).registrationCode!;
}

async function register(iot: IoTClient, ca: TestCertificate, extra: Partial<ConstructorParameters<typeof RegisterCACertificateCommand>[0]> = {}) {
  const verification = await makeVerificationCertificate(ca, await code(iot));
  return iot.send(new RegisterCACertificateCommand({ caCertificate: ca.pem, verificationCertificate: verification.pem, ...extra }));
}

forEachStore('CA certificates', (suite) => {
  let server: TestServer;
  before(() => ({ server } = suite));

  test('GetRegistrationCode is stable per account and region; DeleteRegistrationCode replaces it', async () => {
    const iot = server.iot('100000000001');
    const first = await code(iot);
    assert.match(first, /^[0-9a-f]{64}$/);
    assert.equal(await code(iot), first);
    assert.notEqual(await code(server.iot('100000000002')), first);
    assert.notEqual(await code(server.iot('100000000001', 'eu-west-1')), first);
    await iot.send(new DeleteRegistrationCodeCommand({}));
    await iot.send(new DeleteRegistrationCodeCommand({})); // always 200
    const second = await code(iot);
    assert.match(second, /^[0-9a-f]{64}$/);
    assert.notEqual(second, first);
  });

  test('RegisterCACertificate (DEFAULT mode) and DescribeCACertificate', async () => {
    const account = '100000000003';
    const iot = server.iot(account);
    const ca = await makeCa({ key: { type: 'RSA' } });
    const out = await register(iot, ca, { tags: [{ Key: 'team', Value: 'fleet' }] });
    assert.equal(out.certificateId, ca.id);
    assert.equal(out.certificateArn, `arn:aws:iot:${REGION}:${account}:cacert/${ca.id}`);
    const d = await iot.send(new DescribeCACertificateCommand({ certificateId: ca.id.toUpperCase() }));
    const desc = d.certificateDescription!;
    assert.equal(desc.certificateId, ca.id);
    assert.equal(desc.status, 'INACTIVE');
    assert.equal(desc.autoRegistrationStatus, 'DISABLE');
    assert.equal(desc.certificateMode, 'DEFAULT');
    assert.equal(desc.ownedBy, account);
    assert.equal(desc.customerVersion, 1);
    assert.match(desc.generationId!, /^[0-9a-f-]{36}$/);
    assert.equal(desc.certificatePem, ca.pem);
    assert.equal(desc.validity!.notBefore!.getTime(), ca.cert.notBefore.getTime());
    assert.equal(desc.validity!.notAfter!.getTime(), ca.cert.notAfter.getTime());
    assert.equal(d.registrationConfig, undefined);
    const tags = await iot.send(new ListTagsForResourceCommand({ resourceArn: out.certificateArn }));
    assert.deepEqual(tags.tags, [{ Key: 'team', Value: 'fleet' }]);

    const active = await makeCa();
    const config = { templateName: 'jitp', roleArn: 'arn:aws:iam::100000000003:role/provision', templateBody: '{}' };
    await register(iot, active, { setAsActive: true, allowAutoRegistration: true, registrationConfig: config });
    const da = await iot.send(new DescribeCACertificateCommand({ certificateId: active.id }));
    assert.equal(da.certificateDescription!.status, 'ACTIVE');
    assert.equal(da.certificateDescription!.autoRegistrationStatus, 'ENABLE');
    assert.deepEqual(da.registrationConfig, config);

    assertError(
      await errorOf(() => iot.send(new DescribeCACertificateCommand({ certificateId: 'd'.repeat(64) }))),
      'ResourceNotFoundException',
      404,
    );
  });

  test('RegisterCACertificate refusals', async () => {
    const iot = server.iot('100000000004');
    const ca = await makeCa();
    // DEFAULT mode needs a verification certificate
    assertError(
      await errorOf(() => iot.send(new RegisterCACertificateCommand({ caCertificate: ca.pem }))),
      'InvalidRequestException',
      400,
      /verificationCertificate is required/,
    );
    // CN other than the registration code
    const wrongCn = await makeVerificationCertificate(ca, 'f'.repeat(64));
    assertError(
      await errorOf(() => iot.send(new RegisterCACertificateCommand({ caCertificate: ca.pem, verificationCertificate: wrongCn.pem }))),
      'RegistrationCodeValidationException',
      400,
    );
    // the right CN, signed by another key
    const impostor = await makeCa({ subject: ca.subject });
    const foreignSigned = await makeVerificationCertificate(impostor, await code(iot));
    assertError(
      await errorOf(() => iot.send(new RegisterCACertificateCommand({ caCertificate: ca.pem, verificationCertificate: foreignSigned.pem }))),
      'CertificateValidationException',
      400,
      /not signed by the key/,
    );
    // an old code no longer verifies after DeleteRegistrationCode
    const stale = await makeVerificationCertificate(ca, await code(iot));
    await iot.send(new DeleteRegistrationCodeCommand({}));
    assertError(
      await errorOf(() => iot.send(new RegisterCACertificateCommand({ caCertificate: ca.pem, verificationCertificate: stale.pem }))),
      'RegistrationCodeValidationException',
      400,
    );
    // not a CA; a weak key
    const leaf = await makeCertificate();
    assertError(
      await errorOf(() => register(iot, leaf)),
      'CertificateValidationException',
      400,
      /not a CA certificate/,
    );
    const weak = await makeRsa1024Certificate(undefined, { isCa: true });
    assertError(await errorOf(() => register(iot, weak)), 'CertificateValidationException', 400, /1024 bits/);
    // registered twice
    await register(iot, ca);
    const dup = await errorOf(() => register(iot, ca));
    assertError(dup, 'ResourceAlreadyExistsException', 409);
    assert.equal(dup.resourceId, ca.id);
  });

  test('SNI_ONLY mode needs no verification certificate', async () => {
    const iot = server.iot('100000000005');
    const ca = await makeCa();
    await iot.send(new RegisterCACertificateCommand({ caCertificate: ca.pem, certificateMode: 'SNI_ONLY', setAsActive: true }));
    const d = await iot.send(new DescribeCACertificateCommand({ certificateId: ca.id }));
    assert.equal(d.certificateDescription!.certificateMode, 'SNI_ONLY');
    assert.equal(d.certificateDescription!.status, 'ACTIVE');
  });

  test('at most 10 DEFAULT-mode CA certificates per subject (LimitExceededException)', async () => {
    const iot = server.iot('100000000006');
    const subject = 'CN=Crowded CA, O=ddlocal tests';
    for (let i = 0; i < 10; i++) await register(iot, await makeCa({ subject }));
    const eleventh = await makeCa({ subject });
    assertError(await errorOf(() => register(iot, eleventh)), 'LimitExceededException', 410, /Crowded CA/);
    // SNI_ONLY registrations do not count against the limit
    await iot.send(new RegisterCACertificateCommand({ caCertificate: eleventh.pem, certificateMode: 'SNI_ONLY' }));
  });

  test('UpdateCACertificate: status, auto-registration and registration config', async () => {
    const iot = server.iot('100000000007');
    const ca = await makeCa();
    await register(iot, ca);
    const describe = () => iot.send(new DescribeCACertificateCommand({ certificateId: ca.id }));
    const before = await describe();
    await iot.send(
      new UpdateCACertificateCommand({
        certificateId: ca.id.toUpperCase(),
        newStatus: 'ACTIVE',
        newAutoRegistrationStatus: 'ENABLE',
        registrationConfig: { templateName: 'tmpl-a' },
      }),
    );
    let d = await describe();
    assert.equal(d.certificateDescription!.status, 'ACTIVE');
    assert.equal(d.certificateDescription!.autoRegistrationStatus, 'ENABLE');
    assert.equal(d.certificateDescription!.customerVersion, 2);
    assert.notEqual(d.certificateDescription!.generationId, before.certificateDescription!.generationId);
    assert.deepEqual(d.registrationConfig, { templateName: 'tmpl-a' });
    await iot.send(new UpdateCACertificateCommand({ certificateId: ca.id, removeAutoRegistration: true }));
    d = await describe();
    assert.equal(d.registrationConfig, undefined);
    assert.equal(d.certificateDescription!.customerVersion, 2, 'no status change, no new customer version');
    assertError(
      await errorOf(() =>
        iot.send(new UpdateCACertificateCommand({ certificateId: ca.id, removeAutoRegistration: true, registrationConfig: { templateName: 'x' } })),
      ),
      'InvalidRequestException',
      400,
    );
    assertError(
      await errorOf(() => iot.send(new UpdateCACertificateCommand({ certificateId: 'e'.repeat(64), newStatus: 'ACTIVE' }))),
      'ResourceNotFoundException',
      404,
    );
  });

  test('ListCACertificates pages in creation order and filters by templateName', async () => {
    const iot = server.iot('100000000008');
    const created: string[] = [];
    for (let i = 0; i < 5; i++) {
      const ca = await makeCa();
      await register(iot, ca, i % 2 === 0 ? { registrationConfig: { templateName: 'even' } } : {});
      created.push(ca.id);
      await rawRequest(server.url, { method: 'POST', path: '/_ddlocal/clock', body: JSON.stringify({ advanceSeconds: 1 }) });
    }
    const walk = async (params: { ascendingOrder?: boolean; templateName?: string; pageSize: number }) => {
      const ids: string[] = [];
      let marker: string | undefined;
      let pages = 0;
      do {
        const page = await iot.send(new ListCACertificatesCommand({ ...params, marker }));
        for (const c of page.certificates!) {
          assert.equal(c.certificateArn, `arn:aws:iot:${REGION}:100000000008:cacert/${c.certificateId}`);
          assert.equal(c.status, 'INACTIVE');
          assert.ok(c.creationDate instanceof Date);
          ids.push(c.certificateId!);
        }
        marker = page.nextMarker;
        pages++;
      } while (marker);
      return { ids, pages };
    };
    assert.deepEqual(await walk({ pageSize: 2 }), { ids: [...created].reverse(), pages: 3 });
    assert.deepEqual(await walk({ pageSize: 2, ascendingOrder: true }), { ids: created, pages: 3 });
    assert.deepEqual(await walk({ pageSize: 1, ascendingOrder: true, templateName: 'even' }), {
      ids: [created[0], created[2], created[4]],
      pages: 3,
    });
    const page = await iot.send(new ListCACertificatesCommand({ pageSize: 1, templateName: 'even' }));
    assertError(
      await errorOf(() => iot.send(new ListCACertificatesCommand({ pageSize: 1, marker: page.nextMarker }))),
      'InvalidRequestException',
      400,
      /marker is invalid/,
    );
    assert.deepEqual((await server.iot('100000000009').send(new ListCACertificatesCommand({}))).certificates, []);
  });

  test('DeleteCACertificate: ACTIVE is refused (Dec R7); tags go with the CA', async () => {
    const iot = server.iot('100000000010');
    const ca = await makeCa();
    const { certificateArn } = await register(iot, ca, { setAsActive: true, tags: [{ Key: 'k', Value: 'v' }] });
    assertError(
      await errorOf(() => iot.send(new DeleteCACertificateCommand({ certificateId: ca.id }))),
      'CertificateStateException',
      406,
      /ACTIVE/,
    );
    await iot.send(new UpdateCACertificateCommand({ certificateId: ca.id, newStatus: 'INACTIVE' }));
    await iot.send(new DeleteCACertificateCommand({ certificateId: ca.id.toUpperCase() }));
    assertError(await errorOf(() => iot.send(new DescribeCACertificateCommand({ certificateId: ca.id }))), 'ResourceNotFoundException', 404);
    assertError(await errorOf(() => iot.send(new DeleteCACertificateCommand({ certificateId: ca.id }))), 'ResourceNotFoundException', 404);
    assertError(
      await errorOf(() => iot.send(new ListTagsForResourceCommand({ resourceArn: certificateArn }))),
      'ResourceNotFoundException',
      404,
    );
    // the same CA can be registered again after deletion
    await register(iot, ca);
  });
});
