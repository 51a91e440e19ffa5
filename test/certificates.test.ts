// Device certificates and GET /_ddlocal/ca (docs/decisions.md#x4), through the official SDK against a real server.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateCertificateFromCsrCommand,
  CreateKeysAndCertificateCommand,
  CreatePolicyCommand,
  CreateThingCommand,
  DeleteCACertificateCommand,
  DeleteCertificateCommand,
  DetachThingPrincipalCommand,
  DescribeCertificateCommand,
  GetRegistrationCodeCommand,
  ListCertificatesByCACommand,
  ListCertificatesCommand,
  ListTargetsForPolicyCommand,
  RegisterCACertificateCommand,
  RegisterCertificateCommand,
  RegisterCertificateWithoutCACommand,
  UpdateCACertificateCommand,
  UpdateCertificateCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { forEachStore, errorOf, type TestServer } from './helpers/server.js';
import { rawRequest, sigv4Header } from './helpers/raw-http.js';
import {
  makeCa,
  makeCertificate,
  makeCsr,
  makeDeviceCertificate,
  makeEcCertificate,
  makeExpiredCertificate,
  makeRsa1024Certificate,
  makeVerificationCertificate,
  type TestCertificate,
} from './helpers/certs.js';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

async function fetchCa(server: TestServer, account = ACCOUNT, region = REGION) {
  return rawRequest(server.url, { path: '/_ddlocal/ca', headers: { authorization: sigv4Header(account, region) } });
}

async function advanceClock(server: TestServer, seconds: number) {
  const res = await rawRequest(server.url, { method: 'POST', path: '/_ddlocal/clock', body: JSON.stringify({ advanceSeconds: seconds }) });
  assert.equal(res.status, 200, res.text);
}

/** Registers a CA (DEFAULT mode, ACTIVE unless told otherwise) in the client's account. */
async function registerCa(iot: IoTClient, ca: TestCertificate, options: { active?: boolean; mode?: 'DEFAULT' | 'SNI_ONLY' } = {}) {
  const { registrationCode } = await iot.send(new GetRegistrationCodeCommand({}));
  const verification = options.mode === 'SNI_ONLY' ? undefined : (await makeVerificationCertificate(ca, registrationCode!)).pem;
  return iot.send(
    new RegisterCACertificateCommand({
      caCertificate: ca.pem,
      verificationCertificate: verification,
      setAsActive: options.active ?? true,
      certificateMode: options.mode,
    }),
  );
}

function assertError(err: { name: string; $metadata?: { httpStatusCode?: number }; message: string }, name: string, status: number, message?: RegExp) {
  assert.equal(err.name, name, err.message);
  assert.equal(err.$metadata?.httpStatusCode, status);
  if (message) assert.match(err.message, message);
}

/** Walks every page of a marker-style certificate list. */
async function allPages(list: (marker?: string) => Promise<{ certificates?: { certificateId?: string }[]; nextMarker?: string }>) {
  const ids: string[] = [];
  let pages = 0;
  let marker: string | undefined;
  do {
    const page = await list(marker);
    ids.push(...(page.certificates ?? []).map((c) => c.certificateId!));
    marker = page.nextMarker;
    pages++;
  } while (marker);
  return { ids, pages };
}

forEachStore('certificates', (suite) => {
  let server: TestServer;
  let iot: IoTClient;
  before(() => ({ server, iot } = suite));

  test('GET /_ddlocal/ca: one stable self-signed RSA 2048 CA per account and region', async () => {
    const first = await fetchCa(server);
    assert.equal(first.status, 200);
    assert.equal(first.headers['content-type'], 'application/x-pem-file');
    const ca = new X509Certificate(first.text);
    assert.equal(ca.subject, `CN=ddlocal CA ${ACCOUNT} ${REGION}`);
    assert.equal(ca.ca, true);
    assert.ok(ca.verify(ca.publicKey), 'self-signed');
    assert.equal(ca.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
    assert.equal((await fetchCa(server)).text, first.text);
    const other = await fetchCa(server, '210987654321', 'eu-west-1');
    assert.notEqual(other.text, first.text);
    assert.equal(new X509Certificate(other.text).subject, 'CN=ddlocal CA 210987654321 eu-west-1');
  });

  test('concurrent first uses of a new account create one ddlocal CA', async () => {
    const account = '555566667777';
    const client = server.iot(account);
    const issued = await Promise.all([1, 2, 3, 4].map(() => client.send(new CreateKeysAndCertificateCommand({}))));
    const ca = new X509Certificate((await fetchCa(server, account)).text);
    for (const out of issued) assert.ok(new X509Certificate(out.certificatePem!).verify(ca.publicKey));
  });

  test('CreateKeysAndCertificate issues a real certificate signed by the ddlocal CA', async () => {
    const out = await iot.send(new CreateKeysAndCertificateCommand({}));
    const pem = out.certificatePem!;
    const cert = new X509Certificate(pem);
    const ca = new X509Certificate((await fetchCa(server)).text);
    assert.ok(cert.verify(ca.publicKey), 'signed by the ddlocal CA');
    assert.equal(cert.issuer, ca.subject);
    assert.equal(cert.checkIssued(ca), true);
    assert.equal(cert.subject, 'CN=AWS IoT Certificate');
    assert.equal(new Date(cert.validTo).toISOString(), '2049-12-31T23:59:59.000Z');
    assert.equal(cert.serialNumber.length, 32, '16-byte serial');
    // openssl reads it too, and agrees on the issuer
    const text = execFileSync('openssl', ['x509', '-noout', '-issuer', '-subject'], { input: pem }).toString();
    assert.match(text, new RegExp(`issuer=CN ?= ?ddlocal CA ${ACCOUNT} ${REGION}`));
    // id = SHA-256 of the DER; ARN of the account
    assert.equal(out.certificateId, createHash('sha256').update(cert.raw).digest('hex'));
    assert.equal(out.certificateArn, `arn:aws:iot:${REGION}:${ACCOUNT}:cert/${out.certificateId}`);
    // docs/decisions.md#r2: PKCS#1 private key and SPKI public key, matching the certificate
    assert.match(out.keyPair!.PrivateKey!, /^-----BEGIN RSA PRIVATE KEY-----\n/);
    assert.match(out.keyPair!.PublicKey!, /^-----BEGIN PUBLIC KEY-----\n/);
    const fromPrivate = createPublicKey(createPrivateKey(out.keyPair!.PrivateKey!)).export({ type: 'spki', format: 'pem' });
    assert.equal(fromPrivate, out.keyPair!.PublicKey);
    assert.equal(cert.publicKey.export({ type: 'spki', format: 'pem' }), out.keyPair!.PublicKey);
    assert.equal(cert.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
    // inactive by default, DEFAULT mode, no CA id
    const d = (await iot.send(new DescribeCertificateCommand({ certificateId: out.certificateId }))).certificateDescription!;
    assert.equal(d.status, 'INACTIVE');
    assert.equal(d.certificateMode, 'DEFAULT');
    assert.equal(d.caCertificateId, undefined);
    assert.equal(d.certificatePem, pem);
    const active = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    const da = await iot.send(new DescribeCertificateCommand({ certificateId: active.certificateId }));
    assert.equal(da.certificateDescription!.status, 'ACTIVE');
  });

  test('CreateCertificateFromCsr keeps the CSR subject and key; bad CSRs are InvalidRequestException', async () => {
    const csr = await makeCsr({ subject: 'CN=sensor-7, O=Acme', key: { type: 'EC', curve: 'P-384' } });
    const out = await iot.send(new CreateCertificateFromCsrCommand({ certificateSigningRequest: csr.pem, setAsActive: true }));
    const cert = new X509Certificate(out.certificatePem!);
    assert.equal(cert.subject, 'CN=sensor-7\nO=Acme');
    assert.ok(cert.verify(new X509Certificate((await fetchCa(server)).text).publicKey));
    const spki = Buffer.from(await crypto.subtle.exportKey('spki', csr.key.keys.publicKey));
    assert.deepEqual(cert.publicKey.export({ type: 'spki', format: 'der' }), spki);
    const d = await iot.send(new DescribeCertificateCommand({ certificateId: out.certificateId }));
    assert.equal(d.certificateDescription!.status, 'ACTIVE');

    const garbage = await errorOf(() => iot.send(new CreateCertificateFromCsrCommand({ certificateSigningRequest: 'not a csr' })));
    assertError(garbage, 'InvalidRequestException', 400, /PKCS#10/);
    // flip a byte inside the signature: the self-signature no longer verifies
    const der = Buffer.from(csr.pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    der[der.length - 5] ^= 0x01;
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    const badSig = await errorOf(() => iot.send(new CreateCertificateFromCsrCommand({ certificateSigningRequest: tampered })));
    assertError(badSig, 'InvalidRequestException', 400, /signature/);
    const weak = await makeCsr({ key: { type: 'RSA', bits: 1024 } });
    const weakErr = await errorOf(() => iot.send(new CreateCertificateFromCsrCommand({ certificateSigningRequest: weak.pem })));
    assertError(weakErr, 'InvalidRequestException', 400, /1024 bits/);
  });

  test('RegisterCertificate with and without caCertificatePem; the certificate takes the CA mode', async () => {
    const ca = await makeCa({ key: { type: 'RSA' } });
    const caId = (await registerCa(iot, ca)).certificateId!;
    const device = await makeDeviceCertificate(ca);
    const named = await iot.send(new RegisterCertificateCommand({ certificatePem: device.pem, caCertificatePem: ca.pem }));
    assert.equal(named.certificateId, device.id);
    let d = (await iot.send(new DescribeCertificateCommand({ certificateId: device.id }))).certificateDescription!;
    assert.equal(d.caCertificateId, caId);
    assert.equal(d.status, 'INACTIVE');
    assert.equal(d.certificateMode, 'DEFAULT');
    assert.equal(d.ownedBy, ACCOUNT);
    assert.equal(d.customerVersion, 1);
    assert.equal(d.validity?.notAfter?.getTime(), device.cert.notAfter.getTime());

    const looked = await makeEcCertificate(ca);
    await iot.send(new RegisterCertificateCommand({ certificatePem: looked.pem, status: 'ACTIVE' }));
    d = (await iot.send(new DescribeCertificateCommand({ certificateId: looked.id }))).certificateDescription!;
    assert.equal(d.caCertificateId, caId);
    assert.equal(d.status, 'ACTIVE');

    const flagged = await makeDeviceCertificate(ca);
    await iot.send(new RegisterCertificateCommand({ certificatePem: flagged.pem, setAsActive: true }));
    assert.equal((await iot.send(new DescribeCertificateCommand({ certificateId: flagged.id }))).certificateDescription!.status, 'ACTIVE');

    const sniCa = await makeCa();
    await registerCa(iot, sniCa, { mode: 'SNI_ONLY' });
    const sniDevice = await makeDeviceCertificate(sniCa);
    await iot.send(new RegisterCertificateCommand({ certificatePem: sniDevice.pem, status: 'REVOKED' }));
    d = (await iot.send(new DescribeCertificateCommand({ certificateId: sniDevice.id }))).certificateDescription!;
    assert.equal(d.certificateMode, 'SNI_ONLY');
    assert.equal(d.status, 'REVOKED');
  });

  test('RegisterCertificate refusals: unknown CA, foreign signer, inactive CA, ambiguous CA, duplicate', async () => {
    const stranger = await makeCa();
    const orphan = await makeDeviceCertificate(stranger);
    assertError(
      await errorOf(() => iot.send(new RegisterCertificateCommand({ certificatePem: orphan.pem }))),
      'CertificateValidationException',
      400,
      /No CA certificate registered/,
    );
    assertError(
      await errorOf(() => iot.send(new RegisterCertificateCommand({ certificatePem: orphan.pem, caCertificatePem: stranger.pem }))),
      'CertificateValidationException',
      400,
      /not registered/,
    );

    const ca = await makeCa();
    await registerCa(iot, ca);
    assertError(
      await errorOf(() => iot.send(new RegisterCertificateCommand({ certificatePem: orphan.pem, caCertificatePem: ca.pem }))),
      'CertificateValidationException',
      400,
      /was not issued by CA certificate/,
    );

    const sleepy = await makeCa();
    await registerCa(iot, sleepy, { active: false });
    const sleepyDevice = await makeDeviceCertificate(sleepy);
    assertError(
      await errorOf(() => iot.send(new RegisterCertificateCommand({ certificatePem: sleepyDevice.pem }))),
      'CertificateStateException',
      406,
      /INACTIVE/,
    );

    // two registered CA certificates with the same subject and key: both verify the device's signature
    const twinA = await makeCa({ subject: 'CN=Twin CA' });
    const twinB = await makeCa({ subject: 'CN=Twin CA', key: twinA.key });
    await registerCa(iot, twinA);
    await registerCa(iot, twinB);
    const twinDevice = await makeDeviceCertificate(twinA);
    assertError(
      await errorOf(() => iot.send(new RegisterCertificateCommand({ certificatePem: twinDevice.pem }))),
      'CertificateConflictException',
      409,
      /2 registered CA certificates/,
    );
    await iot.send(new RegisterCertificateCommand({ certificatePem: twinDevice.pem, caCertificatePem: twinB.pem }));
    const again = await errorOf(() => iot.send(new RegisterCertificateCommand({ certificatePem: twinDevice.pem, caCertificatePem: twinB.pem })));
    assertError(again, 'ResourceAlreadyExistsException', 409);
    assert.equal(again.resourceId, twinDevice.id);
    assert.equal(again.resourceArn, `arn:aws:iot:${REGION}:${ACCOUNT}:cert/${twinDevice.id}`);
  });

  test('key and format rules, status rules (Dec A17, R3, R4)', async () => {
    const ca = await makeCa({ key: { type: 'RSA' } });
    await registerCa(iot, ca);
    const weak = await makeRsa1024Certificate(ca);
    for (const send of [
      () => iot.send(new RegisterCertificateCommand({ certificatePem: weak.pem })),
      () => iot.send(new RegisterCertificateWithoutCACommand({ certificatePem: weak.pem })),
    ])
      assertError(await errorOf(send), 'CertificateValidationException', 400, /1024 bits/);
    const ed = await makeCertificate({ key: { type: 'Ed25519' } });
    assertError(
      await errorOf(() => iot.send(new RegisterCertificateWithoutCACommand({ certificatePem: ed.pem }))),
      'CertificateValidationException',
      400,
      /ED25519/,
    );
    const [a, b] = [await makeDeviceCertificate(ca), await makeDeviceCertificate(ca)];
    assertError(
      await errorOf(() => iot.send(new RegisterCertificateCommand({ certificatePem: a.pem + b.pem }))),
      'CertificateValidationException',
      400,
      /2 certificates/,
    );
    assertError(
      await errorOf(() => iot.send(new RegisterCertificateWithoutCACommand({ certificatePem: 'hello' }))),
      'CertificateValidationException',
      400,
    );
    // expired and not-yet-valid certificates are accepted (audits report them)
    const expired = await makeExpiredCertificate(ca);
    await iot.send(new RegisterCertificateCommand({ certificatePem: expired.pem }));
    const future = await makeDeviceCertificate(ca, { notBefore: Date.now() + 86_400_000 * 30 });
    await iot.send(new RegisterCertificateCommand({ certificatePem: future.pem }));
    for (const curve of ['P-384', 'P-521'] as const) {
      const ec = await makeEcCertificate(ca, curve);
      await iot.send(new RegisterCertificateCommand({ certificatePem: ec.pem }));
    }
    // status rules
    const c = await makeDeviceCertificate(ca);
    assertError(
      await errorOf(() => iot.send(new RegisterCertificateCommand({ certificatePem: c.pem, status: 'PENDING_TRANSFER' }))),
      'InvalidRequestException',
      400,
      /PENDING_TRANSFER/,
    );
    assertError(
      await errorOf(() => iot.send(new RegisterCertificateCommand({ certificatePem: c.pem, status: 'INACTIVE', setAsActive: true }))),
      'InvalidRequestException',
      400,
      /contradicts/,
    );
  });

  test('RegisterCertificateWithoutCA: SNI_ONLY, INACTIVE by default, no CA, duplicates refused', async () => {
    const cert = await makeEcCertificate();
    const out = await iot.send(new RegisterCertificateWithoutCACommand({ certificatePem: cert.pem }));
    assert.equal(out.certificateId, cert.id);
    const d = (await iot.send(new DescribeCertificateCommand({ certificateId: cert.id }))).certificateDescription!;
    assert.equal(d.certificateMode, 'SNI_ONLY');
    assert.equal(d.status, 'INACTIVE');
    assert.equal(d.caCertificateId, undefined);
    const dup = await errorOf(() => iot.send(new RegisterCertificateWithoutCACommand({ certificatePem: cert.pem, status: 'ACTIVE' })));
    assertError(dup, 'ResourceAlreadyExistsException', 409);
    assert.equal(dup.resourceId, cert.id);
  });

  test('DescribeCertificate: ids are case-insensitive; unknown id is ResourceNotFoundException', async () => {
    const cert = await makeEcCertificate();
    await iot.send(new RegisterCertificateWithoutCACommand({ certificatePem: cert.pem }));
    const d = await iot.send(new DescribeCertificateCommand({ certificateId: cert.id.toUpperCase() }));
    assert.equal(d.certificateDescription!.certificateId, cert.id);
    const missing = await errorOf(() => iot.send(new DescribeCertificateCommand({ certificateId: 'a'.repeat(64) })));
    assertError(missing, 'ResourceNotFoundException', 404, /a{64}/);
    const otherAccount = await errorOf(() => server.iot('999999999999').send(new DescribeCertificateCommand({ certificateId: cert.id })));
    assertError(otherAccount, 'ResourceNotFoundException', 404);
  });

  test('UpdateCertificate transitions (Dec R5)', async () => {
    const cert = await makeEcCertificate();
    await iot.send(new RegisterCertificateWithoutCACommand({ certificatePem: cert.pem }));
    const describe = async () => (await iot.send(new DescribeCertificateCommand({ certificateId: cert.id }))).certificateDescription!;
    const before = await describe();
    await advanceClock(server, 5);
    await iot.send(new UpdateCertificateCommand({ certificateId: cert.id.toUpperCase(), newStatus: 'ACTIVE' }));
    const active = await describe();
    assert.equal(active.status, 'ACTIVE');
    assert.equal(active.customerVersion, 2);
    assert.notEqual(active.generationId, before.generationId);
    assert.ok(active.lastModifiedDate!.getTime() >= before.lastModifiedDate!.getTime() + 5000);
    assert.equal(active.creationDate!.getTime(), before.creationDate!.getTime());
    // same status again: 200, nothing changes
    await iot.send(new UpdateCertificateCommand({ certificateId: cert.id, newStatus: 'ACTIVE' }));
    assert.equal((await describe()).customerVersion, 2);
    for (const reserved of ['PENDING_TRANSFER', 'PENDING_ACTIVATION', 'REGISTER_INACTIVE'] as const)
      assertError(
        await errorOf(() => iot.send(new UpdateCertificateCommand({ certificateId: cert.id, newStatus: reserved }))),
        'InvalidRequestException',
        400,
        new RegExp(reserved),
      );
    await iot.send(new UpdateCertificateCommand({ certificateId: cert.id, newStatus: 'INACTIVE' }));
    await iot.send(new UpdateCertificateCommand({ certificateId: cert.id, newStatus: 'REVOKED' }));
    assert.equal((await describe()).customerVersion, 4);
    await iot.send(new UpdateCertificateCommand({ certificateId: cert.id, newStatus: 'REVOKED' }));
    assertError(
      await errorOf(() => iot.send(new UpdateCertificateCommand({ certificateId: cert.id, newStatus: 'ACTIVE' }))),
      'CertificateStateException',
      406,
      /REVOKED/,
    );
    assertError(
      await errorOf(() => iot.send(new UpdateCertificateCommand({ certificateId: 'b'.repeat(64), newStatus: 'ACTIVE' }))),
      'ResourceNotFoundException',
      404,
    );
  });

  test('ListCertificates pages in creation order, newest first unless ascending (Dec R14)', async () => {
    const client = server.iot('111122223333');
    const created: string[] = [];
    for (let i = 0; i < 7; i++) {
      const cert = await makeEcCertificate();
      await client.send(new RegisterCertificateWithoutCACommand({ certificatePem: cert.pem }));
      created.push(cert.id);
      await advanceClock(server, 1);
    }
    const desc = await allPages((marker) => client.send(new ListCertificatesCommand({ pageSize: 3, marker })));
    assert.deepEqual(desc.ids, [...created].reverse());
    assert.equal(desc.pages, 3);
    const asc = await allPages((marker) => client.send(new ListCertificatesCommand({ pageSize: 2, marker, ascendingOrder: true })));
    assert.deepEqual(asc.ids, created);
    assert.equal(asc.pages, 4);
    const first = await client.send(new ListCertificatesCommand({}));
    assert.equal(first.nextMarker, undefined);
    const item = first.certificates![0]!;
    assert.equal(item.certificateArn, `arn:aws:iot:${REGION}:111122223333:cert/${item.certificateId}`);
    assert.equal(item.status, 'INACTIVE');
    assert.equal(item.certificateMode, 'SNI_ONLY');
    assert.ok(item.creationDate instanceof Date);
    // a marker is bound to the order it was issued for
    const page = await client.send(new ListCertificatesCommand({ pageSize: 2 }));
    assertError(
      await errorOf(() => client.send(new ListCertificatesCommand({ pageSize: 2, marker: page.nextMarker, ascendingOrder: true }))),
      'InvalidRequestException',
      400,
      /marker is invalid/,
    );
    assertError(
      await errorOf(() => client.send(new ListCertificatesCommand({ marker: 'AAAA' }))),
      'InvalidRequestException',
      400,
      /marker is invalid/,
    );
    assert.deepEqual((await server.iot('444455556666').send(new ListCertificatesCommand({}))).certificates, []);
  });

  test('ListCertificates: certificates created in the same millisecond are neither repeated nor skipped', async () => {
    const client = server.iot('222233334444');
    await rawRequest(server.url, { method: 'POST', path: '/_ddlocal/clock', body: JSON.stringify({ freeze: true }) });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await client.send(new CreateKeysAndCertificateCommand({}))).certificateId!);
      const desc = await allPages((marker) => client.send(new ListCertificatesCommand({ pageSize: 1, marker })));
      assert.deepEqual(desc.ids, [...ids].sort().reverse());
      const asc = await allPages((marker) => client.send(new ListCertificatesCommand({ pageSize: 2, marker, ascendingOrder: true })));
      assert.deepEqual(asc.ids, [...ids].sort());
    } finally {
      await rawRequest(server.url, { method: 'POST', path: '/_ddlocal/clock', body: JSON.stringify({ reset: true }) });
    }
  });

  test('ListCertificatesByCA lists the CA\'s certificates only, across pages', async () => {
    const client = server.iot('333344445555');
    const ca = await makeCa();
    const caId = (await registerCa(client, ca)).certificateId!;
    const other = await makeCa();
    await registerCa(client, other);
    const mine: string[] = [];
    for (let i = 0; i < 5; i++) {
      const cert = await makeDeviceCertificate(ca);
      await client.send(new RegisterCertificateCommand({ certificatePem: cert.pem }));
      mine.push(cert.id);
      const foreign = await makeDeviceCertificate(other);
      await client.send(new RegisterCertificateCommand({ certificatePem: foreign.pem }));
      await advanceClock(server, 1);
    }
    const listed = await allPages((marker) =>
      client.send(new ListCertificatesByCACommand({ caCertificateId: caId.toUpperCase(), pageSize: 2, marker, ascendingOrder: true })),
    );
    assert.deepEqual(listed.ids, mine);
    assert.equal(listed.pages, 3);
    const unknown = await client.send(new ListCertificatesByCACommand({ caCertificateId: 'c'.repeat(64) }));
    assert.deepEqual(unknown.certificates, []);
    assert.equal(unknown.nextMarker, undefined);
  });

  test('DeleteCertificate rules (Dec R6)', async () => {
    const cert = await makeEcCertificate();
    const id = cert.id;
    const arn = `arn:aws:iot:${REGION}:${ACCOUNT}:cert/${id}`;
    await iot.send(new RegisterCertificateWithoutCACommand({ certificatePem: cert.pem, status: 'ACTIVE' }));
    assertError(await errorOf(() => iot.send(new DeleteCertificateCommand({ certificateId: id }))), 'CertificateStateException', 406, /ACTIVE/);
    await iot.send(new UpdateCertificateCommand({ certificateId: id, newStatus: 'INACTIVE' }));

    await iot.send(new CreateThingCommand({ thingName: 'holder' }));
    await iot.send(new AttachThingPrincipalCommand({ thingName: 'holder', principal: arn }));
    assertError(await errorOf(() => iot.send(new DeleteCertificateCommand({ certificateId: id }))), 'DeleteConflictException', 409, /holder/);
    await iot.send(new DetachThingPrincipalCommand({ thingName: 'holder', principal: arn }));

    const policyDocument = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }] });
    await iot.send(new CreatePolicyCommand({ policyName: 'cert-policy', policyDocument }));
    await iot.send(new AttachPolicyCommand({ policyName: 'cert-policy', target: arn }));
    assertError(
      await errorOf(() => iot.send(new DeleteCertificateCommand({ certificateId: id }))),
      'DeleteConflictException',
      409,
      /cert-policy/,
    );
    await iot.send(new DeleteCertificateCommand({ certificateId: id.toUpperCase(), forceDelete: true }));
    assert.deepEqual((await iot.send(new ListTargetsForPolicyCommand({ policyName: 'cert-policy' }))).targets, []);
    assertError(await errorOf(() => iot.send(new DescribeCertificateCommand({ certificateId: id }))), 'ResourceNotFoundException', 404);
    assertError(await errorOf(() => iot.send(new DeleteCertificateCommand({ certificateId: id }))), 'ResourceNotFoundException', 404);

    // a revoked certificate without attachments is deleted without forceDelete
    const revoked = await makeEcCertificate();
    await iot.send(new RegisterCertificateWithoutCACommand({ certificatePem: revoked.pem, status: 'REVOKED' }));
    await iot.send(new DeleteCertificateCommand({ certificateId: revoked.id }));
  });

  test('deleting a CA keeps its device certificates\' caCertificateId (Dec R7)', async () => {
    const ca = await makeCa();
    const caId = (await registerCa(iot, ca)).certificateId!;
    const device = await makeDeviceCertificate(ca);
    await iot.send(new RegisterCertificateCommand({ certificatePem: device.pem }));
    await iot.send(new UpdateCACertificateCommand({ certificateId: caId, newStatus: 'INACTIVE' }));
    await iot.send(new DeleteCACertificateCommand({ certificateId: caId }));
    const d = await iot.send(new DescribeCertificateCommand({ certificateId: device.id }));
    assert.equal(d.certificateDescription!.caCertificateId, caId);
  });
});
