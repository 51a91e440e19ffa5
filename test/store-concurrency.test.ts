// Concurrent writers on the same tables: PostgreSQL's SERIALIZABLE transactions abort some of them with
// serialization failures, which the store must retry until each request gets its proper answer — never a 500.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateThingCommand,
  GetRegistrationCodeCommand,
  ListCertificatesCommand,
  RegisterCACertificateCommand,
  RegisterCertificateCommand,
  RegisterCertificateWithoutCACommand,
} from '@aws-sdk/client-iot';
import { forEachStore, type TestServer } from './helpers/server.js';
import { makeCa, makeDeviceCertificate, makeVerificationCertificate } from './helpers/certs.js';

forEachStore('concurrent writers', (suite) => {
  let server: TestServer;
  before(() => ({ server } = suite));

  test('32 concurrent certificate registrations all succeed', async () => {
    const ca = await makeCa();
    const certs = await Promise.all(Array.from({ length: 32 }, () => makeDeviceCertificate(ca)));
    const iot = server.iot('430000000001');
    const results = await Promise.allSettled(
      certs.map((c) => iot.send(new RegisterCertificateWithoutCACommand({ certificatePem: c.pem, status: 'ACTIVE' }))),
    );
    const failures = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
    assert.deepEqual(failures, []);
    const { certificates } = await iot.send(new ListCertificatesCommand({ pageSize: 100 }));
    assert.equal(certificates!.length, 32);
  });

  test('200 registrations under one CA, 16 at a time, all succeed', async () => {
    const iot = server.iot('430000000003');
    const ca = await makeCa();
    const { registrationCode } = await iot.send(new GetRegistrationCodeCommand({}));
    const verification = await makeVerificationCertificate(ca, registrationCode!);
    await iot.send(new RegisterCACertificateCommand({ caCertificate: ca.pem, verificationCertificate: verification.pem, setAsActive: true }));
    const certs = await Promise.all(Array.from({ length: 200 }, () => makeDeviceCertificate(ca)));
    const failures: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < certs.length) {
          const c = certs[next++]!;
          await iot
            .send(new RegisterCertificateCommand({ certificatePem: c.pem, caCertificatePem: ca.pem, setAsActive: true }))
            .catch((err) => failures.push(String(err)));
        }
      }),
    );
    assert.deepEqual(failures, []);
  });

  test('64 concurrent thing creations all succeed', async () => {
    const iot = server.iot('430000000002');
    const results = await Promise.allSettled(
      Array.from({ length: 64 }, (_, i) => iot.send(new CreateThingCommand({ thingName: `t-${i}` }))),
    );
    assert.deepEqual(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason)), []);
  });
});
