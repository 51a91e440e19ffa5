// The dashboard's registry browser (src/ui/pages/registry/) in a real headless Chromium against a real ddlocal: a
// registry seeded through the SDK (a thing type, things, groups, certificates attached to things and a policy, a
// policy with several versions), seen through every registry page in light and dark mode and checked with axe-core;
// the create-policy, create-version and set-default forms, with the SDK seeing what they did; the API's own error
// page for a malformed document; and 404 pages for names no route accepts. The line diff is also tested on its own:
// it rebuilds both texts, finds the fewest changes, and its work is bounded.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import {
  AddThingToThingGroupCommand,
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateThingCommand,
  CreateThingGroupCommand,
  CreateThingTypeCommand,
  GetPolicyCommand,
  GetRegistrationCodeCommand,
  ListPolicyVersionsCommand,
  RegisterCACertificateCommand,
  RegisterCertificateCommand,
  UpdateCACertificateCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { startTestServer, errorOf, type TestServer } from './helpers/server.js';
import { launchChromium, seriousViolations, SCREENSHOTS } from './helpers/browser.js';
import { rawRequest } from './helpers/raw-http.js';
import { lineDiff, MAX_LINES, type DiffLine } from '../src/ui/pages/registry/line-diff.js';
import { certificateIdOf, policyPath, thingPath } from '../src/ui/pages/registry/links.js';
import { expiryBadge } from '../src/ui/pages/registry/certificates.js';
import { makeCa, makeDeviceCertificate, makeVerificationCertificate } from './helpers/certs.js';

const ACCOUNT = '123456789012';
const BASE = `/ui/${ACCOUNT}/us-east-1`;
const REGISTRY = `${BASE}/registry`;

const ALLOW_ALL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] };
const CONNECT_ONLY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }] };
/** What a BLANK_POLICY mitigation leaves as the default version: nothing allowed. */
const DENY_ALL = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'iot:*', Resource: '*' }] };
/** A policy name with every punctuation character a policy name may have: its address must be encoded. */
const ODD_POLICY = 'ops+fleet=a,b.c@d-e';
/** Enough things for ListThings' 100-thing page to need a second one. */
const THING_COUNT = 103;

interface Seeded {
  certificateId: string;
  inactiveCertificateId: string;
}

async function seedRegistry(iot: IoTClient): Promise<Seeded> {
  await iot.send(new CreateThingTypeCommand({ thingTypeName: 'Sensor' }));
  await iot.send(new CreateThingCommand({ thingName: 'sensor-1', thingTypeName: 'Sensor', attributePayload: { attributes: { floor: '3', room: 'lab' } } }));
  await iot.send(new CreateThingCommand({ thingName: 'sensor-2', thingTypeName: 'Sensor', attributePayload: { attributes: { floor: '4' } } }));
  for (let i = 0; i < THING_COUNT - 2; i++) await iot.send(new CreateThingCommand({ thingName: `bulk-${String(i).padStart(3, '0')}` }));
  await iot.send(new CreateThingGroupCommand({ thingGroupName: 'building', thingGroupProperties: { thingGroupDescription: 'The whole building' } }));
  await iot.send(
    new CreateThingGroupCommand({
      thingGroupName: 'floor-3',
      parentGroupName: 'building',
      thingGroupProperties: { thingGroupDescription: 'Third floor sensors', attributePayload: { attributes: { wing: 'east' } } },
    }),
  );
  await iot.send(new CreateThingGroupCommand({ thingGroupName: 'lab-3a', parentGroupName: 'floor-3' }));
  await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'floor-3', thingName: 'sensor-1' }));
  await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'building', thingName: 'sensor-2' }));

  await iot.send(new CreatePolicyCommand({ policyName: 'SensorPolicy', policyDocument: JSON.stringify(ALLOW_ALL) }));
  await iot.send(new CreatePolicyVersionCommand({ policyName: 'SensorPolicy', policyDocument: JSON.stringify(CONNECT_ONLY), setAsDefault: true }));
  await iot.send(new CreatePolicyVersionCommand({ policyName: 'SensorPolicy', policyDocument: JSON.stringify(DENY_ALL), setAsDefault: true }));
  await iot.send(new CreatePolicyCommand({ policyName: ODD_POLICY, policyDocument: JSON.stringify(CONNECT_ONLY) }));

  const active = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  await iot.send(new AttachThingPrincipalCommand({ thingName: 'sensor-1', principal: active.certificateArn }));
  await iot.send(new AttachPolicyCommand({ policyName: 'SensorPolicy', target: active.certificateArn }));
  const inactive = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: false }));
  await iot.send(new AttachThingPrincipalCommand({ thingName: 'sensor-2', principal: inactive.certificateArn }));
  return { certificateId: active.certificateId!, inactiveCertificateId: inactive.certificateId! };
}

/** The visible text of the page's main element, whitespace folded. */
async function mainText(page: Page): Promise<string> {
  return (await page.locator('main').innerText()).replace(/\s+/g, ' ');
}

describe('the registry browser in Chromium', () => {
  let browser: Browser;
  let server: TestServer;
  let iot: IoTClient;
  let seeded: Seeded;

  before(async () => {
    server = await startTestServer('sqlite');
    iot = server.iot(ACCOUNT);
    seeded = await seedRegistry(iot);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    test(`every registry page shows the seeded registry, axe-clean (${colorScheme})`, async () => {
      const context = await browser.newContext({ colorScheme, bypassCSP: true, viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const checked = async (name: string) => {
        assert.deepEqual(await seriousViolations(page), [], name);
        if (!SCREENSHOTS) return;
        mkdirSync(SCREENSHOTS, { recursive: true });
        await page.screenshot({ path: `${SCREENSHOTS}registry-${name}-${colorScheme}.png`, fullPage: true });
      };
      const path = () => decodeURIComponent(new URL(page.url()).pathname);
      try {
        // The nav's Registry link opens the front page: the first few of each kind.
        await page.goto(`${server.url}${BASE}/`);
        await page.locator('nav a', { hasText: 'Registry' }).click();
        assert.equal(path(), REGISTRY);
        assert.equal(await page.locator('h1').textContent(), 'Registry');
        assert.equal(await page.locator('nav a[aria-current="page"]').textContent(), 'Registry');
        for (const id of ['things', 'thing-groups', 'certificates', 'policies']) assert.equal(await page.locator(`section[aria-labelledby="${id}"]`).count(), 1, id);
        assert.equal(await page.locator('section[aria-labelledby="things"] li').count(), 10, 'one page of 10 things, not all 103');
        assert.match(await page.locator('section[aria-labelledby="things"]').innerText(), /All things \(more than 10\)/);
        assert.match(await page.locator('section[aria-labelledby="policies"]').innerText(), /SensorPolicy/);
        await checked('index');

        // Things: 100 per page, a next page with the rest; the type filter is the API's.
        await page.locator('section[aria-labelledby="things"] h2 a').click();
        assert.equal(path(), `${REGISTRY}/things`);
        assert.equal(await page.locator('tbody tr').count(), 100);
        await checked('things');
        await page.locator('.pager a', { hasText: 'Next page' }).click();
        assert.equal(await page.locator('tbody tr').count(), THING_COUNT - 100);
        assert.ok(new URL(page.url()).searchParams.get('nextToken'));
        await page.locator('.pager a', { hasText: 'First page' }).click();
        await page.selectOption('select[name="thingTypeName"]', 'Sensor');
        await page.locator('form.filters button').click();
        await page.waitForURL((url) => url.searchParams.get('thingTypeName') === 'Sensor');
        assert.deepEqual(await page.locator('tbody tr td:first-child').allInnerTexts(), ['sensor-1', 'sensor-2']);
        assert.match(await page.locator('tbody tr').first().innerText(), /floor=3, room=lab/);

        // One thing: its type, attributes, groups and its certificate, which links to the certificate's page.
        await page.locator('a', { hasText: 'sensor-1' }).click();
        assert.equal(path(), `${REGISTRY}/things/sensor-1`);
        assert.equal(await page.locator('h1').textContent(), 'Thing sensor-1');
        const thing = await mainText(page);
        assert.match(thing, /Type Sensor/);
        assert.match(thing, /floor 3/);
        assert.deepEqual(await page.locator('section[aria-labelledby="groups"] li').allInnerTexts(), ['floor-3']);
        assert.match(await page.locator('section[aria-labelledby="principals"]').innerText(), new RegExp(`cert/${seeded.certificateId}`));
        await checked('thing');

        // The certificate: status, validity, its thing and its policy.
        await page.locator('section[aria-labelledby="principals"] a').click();
        assert.equal(path(), `${REGISTRY}/certificates/${seeded.certificateId}`);
        const certificate = await mainText(page);
        assert.match(certificate, /Status ACTIVE/);
        assert.match(certificate, /Valid until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC expires in \d+ days/);
        assert.deepEqual(await page.locator('section[aria-labelledby="things"] li').allInnerTexts(), ['sensor-1']);
        assert.deepEqual(await page.locator('section[aria-labelledby="policies"] li').allInnerTexts(), ['SensorPolicy']);
        await checked('certificate');

        // The policy from the certificate's link: the default (deny-all) document, three versions, its target.
        await page.locator('section[aria-labelledby="policies"] a').click();
        assert.equal(path(), `${REGISTRY}/policies/SensorPolicy`);
        assert.equal(await page.locator('h1').textContent(), 'Policy SensorPolicy');
        assert.match(await page.locator('section[aria-labelledby="document"] h2').innerText(), /Document of version 3\s+default/);
        assert.deepEqual(JSON.parse(await page.locator('section[aria-labelledby="document"] pre').innerText()), DENY_ALL);
        const versions = page.locator('section[aria-labelledby="versions"] tbody tr');
        assert.deepEqual(
          (await versions.allInnerTexts()).map((row) => row.replace(/\s+/g, ' ').replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/, 'T')),
          [
            'Version 3 T default Changes from version 2',
            'Version 2 T Set as default Changes from version 1',
            'Version 1 T Set as default Oldest version kept',
          ],
        );
        assert.match(await page.locator('section[aria-labelledby="targets"]').innerText(), new RegExp(seeded.certificateId));
        await checked('policy');

        // An older version's document, by its link.
        await versions.nth(2).locator('a', { hasText: 'Version 1' }).click();
        assert.equal(new URL(page.url()).searchParams.get('version'), '1');
        assert.match(await page.locator('section[aria-labelledby="document"] h2').innerText(), /Document of version 1\s+not the default/);
        assert.deepEqual(JSON.parse(await page.locator('section[aria-labelledby="document"] pre').innerText()), ALLOW_ALL);

        // The diff, by default from the version before the default to the default: what a BLANK_POLICY replaced.
        await page.locator('a', { hasText: 'Compare two versions' }).click();
        assert.equal(path(), `${REGISTRY}/policies/SensorPolicy/diff`);
        assert.match(await page.locator('#changes').innerText(), /Changes from Version 2 to Version 3 \(default\)/);
        assert.deepEqual(await page.locator('pre.diff del.diff-del').allInnerTexts(), ['−       "Effect": "Allow",', '−       "Action": "iot:Connect",']);
        assert.deepEqual(await page.locator('pre.diff ins.diff-add').allInnerTexts(), ['+       "Effect": "Deny",', '+       "Action": "iot:*",']);
        assert.match(await page.locator('.diff-summary').innerText(), /2 lines added, 2 lines removed/);
        await checked('policy-diff');
        // Any two versions, chosen in the form.
        await page.selectOption('select[name="from"]', '1');
        await page.selectOption('select[name="to"]', '2');
        await page.locator('button', { hasText: 'Compare' }).click();
        await page.waitForURL((url) => url.searchParams.get('from') === '1' && url.searchParams.get('to') === '2');
        assert.deepEqual(await page.locator('pre.diff del.diff-del').allInnerTexts(), ['−       "Action": "iot:*",']);
        assert.deepEqual(await page.locator('pre.diff ins.diff-add').allInnerTexts(), ['+       "Action": "iot:Connect",']);

        // Thing groups: the list, one group with its parent, child group and things.
        await page.goto(`${server.url}${REGISTRY}/thing-groups`);
        assert.deepEqual((await page.locator('tbody tr td:first-child').allInnerTexts()).sort(), ['building', 'floor-3', 'lab-3a']);
        await checked('thing-groups');
        await page.locator('tbody a', { hasText: 'floor-3' }).click();
        assert.equal(path(), `${REGISTRY}/thing-groups/floor-3`);
        const group = await mainText(page);
        assert.match(group, /Kind Static/);
        assert.match(group, /Description Third floor sensors/);
        assert.match(group, /wing east/);
        assert.match(group, /Parent building/);
        assert.deepEqual(await page.locator('section[aria-labelledby="children"] li').allInnerTexts(), ['lab-3a']);
        assert.deepEqual(await page.locator('section[aria-labelledby="members"] li').allInnerTexts(), ['sensor-1']);
        await checked('thing-group');
        await page.locator('dd a', { hasText: 'building' }).click();
        assert.equal(path(), `${REGISTRY}/thing-groups/building`);
        assert.match(await mainText(page), /Parent None \(a top-level group\)/);
        assert.deepEqual(await page.locator('section[aria-labelledby="members"] li').allInnerTexts(), ['sensor-2']);

        // Certificates: both, each status in words.
        await page.goto(`${server.url}${REGISTRY}/certificates`);
        const rows = page.locator('tbody tr');
        assert.equal(await rows.count(), 2);
        assert.match(await page.locator('tr', { hasText: seeded.certificateId }).innerText(), /ACTIVE/);
        assert.match(await page.locator('tr', { hasText: seeded.inactiveCertificateId }).innerText(), /INACTIVE/);
        await checked('certificates');

        // Policies: the create form and the list; a name with punctuation opens through its encoded link.
        await page.goto(`${server.url}${REGISTRY}/policies`);
        assert.deepEqual((await page.locator('tbody tr td:first-child').allInnerTexts()).sort(), [ODD_POLICY, 'SensorPolicy'].sort());
        await checked('policies');
        await page.locator('tbody a', { hasText: ODD_POLICY }).click();
        assert.equal(await page.locator('h1').textContent(), `Policy ${ODD_POLICY}`);
        assert.deepEqual(JSON.parse(await page.locator('section[aria-labelledby="document"] pre').innerText()), CONNECT_ONLY);
      } finally {
        await context.close();
      }
    });
  }

  test('the create-policy form creates the policy; the version forms add a version and make it the default', async () => {
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    try {
      await page.goto(`${server.url}${REGISTRY}/policies`);
      await page.getByLabel('Policy name').fill('FromTheForm');
      await page.getByLabel('Policy document (JSON)').fill(JSON.stringify(ALLOW_ALL));
      await page.locator('button', { hasText: 'Create policy' }).click();
      await page.waitForURL((url) => url.pathname === `${REGISTRY}/policies/FromTheForm`);
      assert.equal(await page.locator('h1').textContent(), 'Policy FromTheForm');
      const created = await iot.send(new GetPolicyCommand({ policyName: 'FromTheForm' }));
      assert.deepEqual(JSON.parse(created.policyDocument!), ALLOW_ALL);
      assert.equal(created.defaultVersionId, '1');

      // A new version, not the default: the page shows it; the default stays 1.
      await page.getByLabel('Policy document (JSON)').fill(JSON.stringify(CONNECT_ONLY));
      await page.locator('button', { hasText: 'Create version' }).click();
      await page.waitForURL((url) => url.searchParams.get('version') === '2');
      assert.match(await page.locator('section[aria-labelledby="document"] h2').innerText(), /Document of version 2\s+not the default/);
      assert.equal((await iot.send(new GetPolicyCommand({ policyName: 'FromTheForm' }))).defaultVersionId, '1');

      // Set as default, from the version's row.
      await page.locator('section[aria-labelledby="versions"] tr', { hasText: 'Version 2' }).locator('button', { hasText: 'Set as default' }).click();
      await page.waitForURL((url) => url.pathname === `${REGISTRY}/policies/FromTheForm` && url.search === '');
      assert.equal((await iot.send(new GetPolicyCommand({ policyName: 'FromTheForm' }))).defaultVersionId, '2');
      assert.match(await page.locator('section[aria-labelledby="document"] h2').innerText(), /Document of version 2\s+default/);

      // A version created as the default at once (the box ticked).
      await page.getByLabel('Policy document (JSON)').fill(JSON.stringify(DENY_ALL));
      await page.getByLabel('Set as the default version').check();
      await page.locator('button', { hasText: 'Create version' }).click();
      await page.waitForURL((url) => url.searchParams.get('version') === '3');
      const after = await iot.send(new GetPolicyCommand({ policyName: 'FromTheForm' }));
      assert.equal(after.defaultVersionId, '3');
      assert.deepEqual(JSON.parse(after.policyDocument!), DENY_ALL);
      const listed = await iot.send(new ListPolicyVersionsCommand({ policyName: 'FromTheForm' }));
      assert.deepEqual(listed.policyVersions!.map((v) => [v.versionId, v.isDefaultVersion]).sort(), [['1', false], ['2', false], ['3', true]]);
      assert.deepEqual(await seriousViolations(page), []);
    } finally {
      await context.close();
    }
  });

  test('a malformed policy document is the API’s MalformedPolicyException page (400), and nothing is created', async () => {
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    try {
      await page.goto(`${server.url}${REGISTRY}/policies`);
      await page.getByLabel('Policy name').fill('NotJson');
      await page.getByLabel('Policy document (JSON)').fill('{"Version": "2012-10-17", "Statement": [');
      const [answer] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST'),
        page.locator('button', { hasText: 'Create policy' }).click(),
      ]);
      assert.equal(answer.status(), 400);
      assert.equal(await page.locator('h1').textContent(), 'MalformedPolicyException');
      assert.deepEqual(await seriousViolations(page), []);
      const missing = await errorOf(() => iot.send(new GetPolicyCommand({ policyName: 'NotJson' })));
      assert.equal(missing.name, 'ResourceNotFoundException');
    } finally {
      await context.close();
    }
  });

  test('names no route accepts are 404 pages; unknown resources are the API’s 404; bad tokens the API’s 400', async () => {
    const notRoutes = [
      `${REGISTRY}/things/%ZZ`, // a broken escape
      `${REGISTRY}/things/a%2Fb`, // decodes to a slash
      `${REGISTRY}/things/${'a'.repeat(129)}`, // too long
      `${REGISTRY}/things/sensor%201`, // a space
      `${REGISTRY}/thing-groups/bad%3Cname%3E`,
      `${REGISTRY}/certificates/${'A'.repeat(64)}`, // ids are lower-case hex
      `${REGISTRY}/certificates/${'a'.repeat(63)}`,
      `${REGISTRY}/policies/bad%20name`,
      `${REGISTRY}/policies/SensorPolicy/diff/more`,
      `${REGISTRY}/policies/${'p'.repeat(129)}`,
      `${REGISTRY}/nothing`,
    ];
    for (const path of notRoutes) {
      const res = await rawRequest(server.url, { path });
      assert.equal(res.status, 404, path);
      assert.match(res.text, /<h1>Page not found<\/h1>/, path);
    }
    const unknown: [string, string][] = [
      [`${REGISTRY}/things/no-such-thing`, 'ResourceNotFoundException'],
      [`${REGISTRY}/thing-groups/no-such-group`, 'ResourceNotFoundException'],
      [`${REGISTRY}/certificates/${'0'.repeat(64)}`, 'ResourceNotFoundException'],
      [`${REGISTRY}/policies/NoSuchPolicy`, 'ResourceNotFoundException'],
      [`${REGISTRY}/policies/SensorPolicy?version=9`, 'ResourceNotFoundException'],
      [`${REGISTRY}/policies/SensorPolicy/diff?from=9&to=1`, 'ResourceNotFoundException'],
    ];
    for (const [path, code] of unknown) {
      const res = await rawRequest(server.url, { path });
      assert.equal(res.status, 404, path);
      assert.match(res.text, new RegExp(`<h1>${code}</h1>`), path);
    }
    for (const path of [`${REGISTRY}/things?nextToken=%3Cbad%3E`, `${REGISTRY}/things?thingTypeName=%3Cx%3E`, `${REGISTRY}/policies/SensorPolicy?version=x`, `${REGISTRY}/certificates?marker=%3Cbad%3E`]) {
      const res = await rawRequest(server.url, { path });
      assert.equal(res.status, 400, path);
      assert.match(res.text, /<h1>InvalidRequestException<\/h1>/, path);
      assert.doesNotMatch(res.text, /<bad>|<x>/, 'the value is escaped where the page repeats it');
    }
    // The forms: an address no form route accepts is a 404; one whose name decodes to no policy name is refused (400)
    // as the API refuses a bad name; a wrong version is the API's answer. Nothing changes.
    const token = 'd'.repeat(64);
    const post = (path: string, fields: Record<string, string>) =>
      rawRequest(server.url, {
        method: 'POST',
        path,
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `ddlocal_form=${token}` },
        body: new URLSearchParams({ formToken: token, ...fields }).toString(),
      });
    assert.equal((await post(`${REGISTRY}/policies/bad!name/default`, { policyVersionId: '1' })).status, 404);
    assert.equal((await post(`${REGISTRY}/policies/SensorPolicy/default/x`, { policyVersionId: '1' })).status, 404);
    const badName = await post(`${REGISTRY}/policies/bad%20name/default`, { policyVersionId: '1' });
    assert.equal(badName.status, 400);
    assert.match(badName.text, /<h1>InvalidRequestException<\/h1>/);
    const wrongVersion = await post(`${REGISTRY}/policies/SensorPolicy/default`, { policyVersionId: '9' });
    assert.equal(wrongVersion.status, 404);
    assert.match(wrongVersion.text, /<h1>ResourceNotFoundException<\/h1>/);
    assert.equal((await post(`${REGISTRY}/policies/SensorPolicy/default`, { policyVersionId: 'one' })).status, 400);
    assert.equal((await iot.send(new GetPolicyCommand({ policyName: 'SensorPolicy' }))).defaultVersionId, '3');
    // Without the form token, refused.
    const refused = await rawRequest(server.url, {
      method: 'POST',
      path: `${REGISTRY}/policies`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ formToken: token, policyName: 'Forged', policyDocument: JSON.stringify(ALLOW_ALL) }).toString(),
    });
    assert.equal(refused.status, 403);
    assert.equal((await errorOf(() => iot.send(new GetPolicyCommand({ policyName: 'Forged' })))).name, 'ResourceNotFoundException');
  });
});

test('CA certificates: the list, a CA with its status after UPDATE_CA_CERTIFICATE-like deactivation, and the certificates it issued', async () => {
  const server = await startTestServer('sqlite');
  const browser = await launchChromium();
  try {
    const iot = server.iot(ACCOUNT);
    const ca = await makeCa();
    const { registrationCode } = await iot.send(new GetRegistrationCodeCommand({}));
    const verification = await makeVerificationCertificate(ca, registrationCode!);
    const caId = (await iot.send(new RegisterCACertificateCommand({ caCertificate: ca.pem, verificationCertificate: verification.pem, setAsActive: true }))).certificateId!;
    const device = await makeDeviceCertificate(ca);
    const { certificateId: deviceId } = await iot.send(new RegisterCertificateCommand({ certificatePem: device.pem, caCertificatePem: ca.pem, status: 'ACTIVE' }));
    await iot.send(new UpdateCACertificateCommand({ certificateId: caId, newStatus: 'INACTIVE' }));

    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    const base = `/ui/${ACCOUNT}/us-east-1/registry`;
    await page.goto(`${server.url}${base}`);
    await page.locator('section[aria-labelledby="ca-certificates"] a', { hasText: caId.slice(0, 16) }).click();
    assert.equal(new URL(page.url()).pathname, `${base}/ca-certificates/${caId}`);
    assert.match(await page.locator('main').innerText(), /Status\s*INACTIVE/);
    assert.deepEqual(await seriousViolations(page), []);
    await page.locator('a', { hasText: 'The certificates this CA issued' }).click();
    assert.deepEqual(await page.locator('tbody tr td:first-child').allInnerTexts(), [deviceId]);
    // The device certificate's page names its CA, linked back.
    await page.locator('tbody a').first().click();
    assert.equal(await page.locator(`a[href="${base}/ca-certificates/${caId}"]`).count(), 1);
    await page.goto(`${server.url}${base}/ca-certificates`);
    assert.match(await page.locator('tbody').innerText(), new RegExp(`${caId}\\s*INACTIVE`));
    assert.deepEqual(await seriousViolations(page), []);
    assert.equal((await rawRequest(server.url, { path: `${base}/ca-certificates/${'0'.repeat(64)}` })).status, 404);
    assert.equal((await rawRequest(server.url, { path: `${base}/ca-certificates/nope` })).status, 404);
    await context.close();
  } finally {
    await browser.close();
    await server.close();
  }
});

describe('the registry pages’ links and line diff', () => {
  test('links encode names; certificate ARNs give their id', () => {
    const ctx = { base: BASE };
    assert.equal(policyPath(ctx, ODD_POLICY), `${REGISTRY}/policies/ops%2Bfleet%3Da%2Cb.c%40d-e`);
    assert.equal(thingPath(ctx, 'a:b'), `${REGISTRY}/things/a%3Ab`);
    const id = 'ab'.repeat(32);
    assert.equal(certificateIdOf(`arn:aws:iot:us-east-1:${ACCOUNT}:cert/${id}`), id);
    assert.equal(certificateIdOf(`arn:aws:iam::${ACCOUNT}:user/someone`), undefined);
  });

  test('a certificate’s expiry is said in words: days left, today, or how long ago', () => {
    const now = Date.UTC(2030, 0, 15, 12);
    const day = 86_400_000;
    const text = (notAfter: unknown) => expiryBadge(notAfter, now).text.replace(/<[^>]+>/g, '');
    assert.equal(text(new Date(now + 40 * day + 1000)), 'expires in 40 days');
    assert.equal(text(new Date(now + day + 1000)), 'expires in 1 day');
    assert.equal(text(new Date(now + 1000)), 'expires today');
    assert.equal(text(new Date(now - 1000)), 'expired today');
    assert.equal(text(new Date(now - 3 * day - 1000)), 'expired 3 days ago');
    assert.match(expiryBadge(new Date(now + 10 * day), now).text, /class="badge warn"/, 'under 30 days left is a warning');
    assert.match(expiryBadge(new Date(now - day), now).text, /class="badge bad"/);
    assert.equal(text(undefined), '');
  });

  /** Both texts, rebuilt from a diff: the kept and removed lines are the old text, the kept and added the new one. */
  const rebuild = (diff: DiffLine[]) => ({
    before: diff.filter((l) => l.kind !== 'add').map((l) => l.text),
    after: diff.filter((l) => l.kind !== 'del').map((l) => l.text),
  });
  /** The length of the longest common subsequence, by the textbook recursion (small inputs only). */
  const lcsLength = (a: string[], b: string[]): number => {
    const t = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
    for (let i = a.length - 1; i >= 0; i--) for (let j = b.length - 1; j >= 0; j--) t[i]![j] = a[i] === b[j] ? t[i + 1]![j + 1]! + 1 : Math.max(t[i + 1]![j]!, t[i]![j + 1]!);
    return t[0]![0]!;
  };

  test('the diff marks the changed lines, rebuilds both texts and keeps the most lines', () => {
    assert.deepEqual(
      lineDiff(['{', 'a', 'b', '}'], ['{', 'a', 'c', '}'])!.map((l) => `${l.kind}:${l.text}:${l.oldNumber ?? ''}:${l.newNumber ?? ''}`),
      ['same:{:1:1', 'same:a:2:2', 'del:b:3:', 'add:c::3', 'same:}:4:4'],
    );
    assert.deepEqual(lineDiff([], ['x'])!.map((l) => l.kind), ['add']);
    assert.deepEqual(lineDiff(['x'], [])!.map((l) => l.kind), ['del']);
    assert.deepEqual(lineDiff(['x', 'y'], ['x', 'y'])!.map((l) => l.kind), ['same', 'same']);
    // Random texts over a small alphabet (many repeats, the hard case): always both texts, always a longest common part.
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 4;
    for (let round = 0; round < 300; round++) {
      const a = Array.from({ length: next() * 3 + next() }, () => 'abcd'[next()]!);
      const b = Array.from({ length: next() * 3 + next() }, () => 'abcd'[next()]!);
      const diff = lineDiff(a, b)!;
      assert.deepEqual(rebuild(diff), { before: a, after: b }, `${a} → ${b}`);
      assert.equal(diff.filter((l) => l.kind === 'same').length, lcsLength(a, b), `${a} → ${b}`);
    }
  });

  test('the diff’s work is bounded: past the line cap there is none, at the cap it is quick', () => {
    const lines = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i}`);
    assert.equal(lineDiff(lines(MAX_LINES + 1, 'a'), ['x']), undefined);
    assert.equal(lineDiff(['x'], lines(MAX_LINES + 1, 'a')), undefined);
    // The worst case under the cap: no line in common, so nothing is set aside before the table.
    const started = performance.now();
    const diff = lineDiff(lines(MAX_LINES, 'a'), lines(MAX_LINES, 'b'))!;
    assert.ok(performance.now() - started < 2_000, 'a 2000 × 2000 diff takes well under two seconds');
    assert.equal(diff.length, 2 * MAX_LINES);
  });
});
