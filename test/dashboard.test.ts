// The dashboard (docs/dashboard.md) in a real headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core) against a real ddlocal: the walkthrough's audit, seen through the pages — overview, audit list, one
// audit, its findings filtered and paged — each page checked with axe-core in light and dark mode. Around it, over
// plain HTTP: the pages' security headers, error pages with the API's status and words, the cross-site rules, and
// strict mode: sign-in with an access key, pages and forms as that principal under its IAM policies.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import {
  AttachPolicyCommand,
  CreateKeysAndCertificateCommand,
  CreatePolicyCommand,
  DescribeAuditTaskCommand,
  IoTClient,
  ListAuditSuppressionsCommand,
  ListAuditTasksCommand,
  StartOnDemandAuditTaskCommand,
  UpdateAccountAuditConfigurationCommand,
} from '@aws-sdk/client-iot';
import { startTestServer, type TestServer } from './helpers/server.js';
import { launchChromium, seriousViolations, signIn, SCREENSHOTS } from './helpers/browser.js';
import { rawRequest } from './helpers/raw-http.js';
import { html, raw } from '../src/ui/html.js';

const ACCOUNT = '123456789012';

async function seedWalkthrough(iot: IoTClient): Promise<string> {
  await iot.send(
    new CreatePolicyCommand({
      policyName: 'AllowAll',
      policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] }),
    }),
  );
  for (let i = 0; i < 3; i++) {
    const cert = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    await iot.send(new AttachPolicyCommand({ policyName: 'AllowAll', target: cert.certificateArn }));
  }
  const checks = ['IOT_POLICY_OVERLY_PERMISSIVE_CHECK', 'LOGGING_DISABLED_CHECK', 'DEVICE_CERTIFICATE_EXPIRING_CHECK'];
  await iot.send(
    new UpdateAccountAuditConfigurationCommand({
      roleArn: `arn:aws:iam::${ACCOUNT}:role/Audit`,
      auditCheckConfigurations: Object.fromEntries(checks.map((c) => [c, { enabled: true }])),
    }),
  );
  const { taskId } = await iot.send(new StartOnDemandAuditTaskCommand({ targetCheckNames: checks }));
  for (;;) {
    const d = await iot.send(new DescribeAuditTaskCommand({ taskId }));
    if (d.taskStatus !== 'IN_PROGRESS') return taskId!;
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('html`` escapes every interpolated value except markup it built', () => {
  const hostile = `<script>alert("x")</script>&'`;
  assert.equal(html`<p>${hostile}</p>`.text, '<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</p>');
  assert.equal(html`<a href="${hostile}">`.text, '<a href="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;">');
  assert.equal(html`<ul>${['<a>', html`<li>${'<b>'}</li>`]}</ul>`.text, '<ul>&lt;a&gt;<li>&lt;b&gt;</li></ul>');
  assert.equal(html`${raw('<hr>')}${null}${undefined}${false}${0}`.text, '<hr>0');
});

describe('the dashboard in Chromium', () => {
  let browser: Browser;
  let server: TestServer;
  let auditId: string;
  let base: string;

  before(async () => {
    server = await startTestServer('sqlite');
    auditId = await seedWalkthrough(server.iot(ACCOUNT));
    base = `/ui/${ACCOUNT}/us-east-1`;
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    test(`the walkthrough's audit through the pages, axe-clean (${colorScheme})`, async () => {
      // bypassCSP: axe is injected as a script, which the pages' own policy (no script at all) would refuse.
      const context = await browser.newContext({ colorScheme, bypassCSP: true, viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const shot = async (name: string) => {
        if (!SCREENSHOTS) return;
        mkdirSync(SCREENSHOTS, { recursive: true });
        await page.screenshot({ path: `${SCREENSHOTS}${name}-${colorScheme}.png`, fullPage: true });
      };
      try {
        // The front door leads to the account with the latest audit.
        await page.goto(`${server.url}/`);
        assert.equal(new URL(page.url()).pathname, `${base}/`);
        assert.equal(await page.locator('h1').textContent(), 'Overview');
        const row = page.locator('tr', { has: page.locator('a', { hasText: 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK' }) });
        assert.match((await row.textContent())!, /CRITICAL\s*Non-compliant\s*1\s*1/);
        assert.match((await page.locator('#certs').locator('..').textContent())!, /3\s*certificates/);
        assert.deepEqual(await seriousViolations(page), []);
        await shot('overview');

        // The check's link opens the audit, its findings filtered to that check: the AllowAll policy.
        await row.locator('a').click();
        assert.equal(new URL(page.url()).pathname, `${base}/audits/${auditId}`);
        assert.equal(new URL(page.url()).searchParams.get('checkName'), 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK');
        const findings = page.locator('section[aria-labelledby="findings"] tbody tr');
        assert.equal(await findings.count(), 1);
        assert.match((await findings.first().textContent())!, /policyVersionIdentifier: \{"policyName":"AllowAll","policyVersionId":"1"\}/);
        assert.deepEqual(await seriousViolations(page), []);
        await shot('audit');

        // The finding's own page: an address for a ticket, the reason, the recorded facts, the related resources.
        await findings.first().locator('a').click();
        assert.match(new URL(page.url()).pathname, new RegExp(`^${base}/findings/[0-9a-f-]{36}$`));
        const details = (await page.locator('main').textContent())!;
        assert.match(details, /IOT_POLICY_OVERLY_PERMISSIVE_CHECK/);
        assert.match(details, /ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS: Policy allows broad access/);
        assert.match(details, /No related resources\./);
        assert.deepEqual(await seriousViolations(page), []);
        await shot('finding');
        await page.goBack();

        // The filter form: all checks shows the logging finding too.
        await page.selectOption('select[name="checkName"]', '');
        await page.locator('section[aria-labelledby="findings"] button', { hasText: 'Filter' }).click();
        await page.waitForURL((url) => url.searchParams.get('checkName') === '');
        assert.equal(await findings.count(), 2);

        // The audit list links back to it.
        await page.locator('nav a', { hasText: 'Audits' }).click();
        assert.equal(new URL(page.url()).pathname, `${base}/audits`);
        assert.equal(await page.locator(`a[href="${base}/audits/${auditId}"]`).count(), 1);
        assert.deepEqual(await seriousViolations(page), []);
        await shot('audits');
      } finally {
        await context.close();
      }
    });
  }

  test('start an audit and suppress a finding from the pages; the API sees both', async () => {
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    try {
      await page.goto(`${server.url}${base}/audits`);
      const boxes = page.locator('input[name="check"]');
      assert.equal(await boxes.count(), 3, 'the three checks the account enables');
      await page.locator('input[name="check"][value="DEVICE_CERTIFICATE_EXPIRING_CHECK"]').uncheck();
      await page.locator('button', { hasText: 'Start audit' }).click();
      await page.waitForURL((url) => /\/audits\/[0-9a-f]{32}$/.test(url.pathname));
      const started = new URL(page.url()).pathname.split('/').at(-1)!;
      assert.notEqual(started, auditId);
      const described = await server.iot(ACCOUNT).send(new DescribeAuditTaskCommand({ taskId: started }));
      assert.deepEqual(Object.keys(described.auditDetails ?? {}).sort(), ['IOT_POLICY_OVERLY_PERMISSIVE_CHECK', 'LOGGING_DISABLED_CHECK']);
      // A running audit's page reloads itself until the audit ends.
      await page.locator('dd .badge', { hasText: 'COMPLETED' }).waitFor({ timeout: 20_000 });
      assert.deepEqual(await seriousViolations(page), []);

      // Suppress the policy finding: it leaves the default view and the API lists the suppression.
      const policyRow = page.locator('tr', { hasText: 'AllowAll' });
      await policyRow.locator('button', { hasText: 'Suppress' }).click();
      await page.waitForLoadState();
      assert.equal(new URL(page.url()).pathname, `${base}/audits/${started}`);
      assert.equal(await page.locator('tr', { hasText: 'AllowAll' }).count(), 0);
      const suppressions = await server.iot(ACCOUNT).send(new ListAuditSuppressionsCommand({}));
      assert.deepEqual(
        suppressions.suppressions?.map((x) => [x.checkName, x.resourceIdentifier?.policyVersionIdentifier?.policyName, x.suppressIndefinitely]),
        [['IOT_POLICY_OVERLY_PERMISSIVE_CHECK', 'AllowAll', true]],
      );
      // Shown again with suppressed findings included, it can be unsuppressed.
      await page.goto(`${server.url}${base}/audits/${started}?suppressed=include`);
      const suppressedRow = page.locator('tr', { hasText: 'AllowAll' });
      assert.match((await suppressedRow.textContent())!, /yes/);
      await suppressedRow.locator('button', { hasText: 'Unsuppress' }).click();
      await page.waitForLoadState();
      assert.equal((await server.iot(ACCOUNT).send(new ListAuditSuppressionsCommand({}))).suppressions?.length, 0);
    } finally {
      await context.close();
    }
  });

  test('the severity filter pages across the checks of one severity, through ListAuditFindings per check', async () => {
    // A server of its own: its clock moves a year on, so that 100 certificates are old (DEVICE_CERTIFICATE_AGE_CHECK,
    // LOW) next to the one logging finding (LOGGING_DISABLED_CHECK, also LOW).
    const own = await startTestServer('sqlite');
    try {
      const iot = own.iot(ACCOUNT);
      for (let i = 0; i < 100; i += 20)
        await Promise.all(Array.from({ length: 20 }, () => iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }))));
      own.clock.advance(400 * 86_400);
      const checks = ['DEVICE_CERTIFICATE_AGE_CHECK', 'LOGGING_DISABLED_CHECK', 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK'];
      await iot.send(new UpdateAccountAuditConfigurationCommand({ roleArn: `arn:aws:iam::${ACCOUNT}:role/Audit`, auditCheckConfigurations: Object.fromEntries(checks.map((c) => [c, { enabled: true }])) }));
      const { taskId } = await iot.send(new StartOnDemandAuditTaskCommand({ targetCheckNames: checks }));
      while ((await iot.send(new DescribeAuditTaskCommand({ taskId }))).taskStatus === 'IN_PROGRESS') await new Promise((r) => setTimeout(r, 50));
      const path = `/ui/${ACCOUNT}/us-east-1/audits/${taskId}`;
      const rowsOf = (text: string) => [...text.matchAll(/<tr id="finding-[^"]+"><td>.*?<\/td><td>([A-Z_]+)<\/td>/g)].map((m) => m[1]);
      const first = await rawRequest(own.url, { path: `${path}?severity=LOW` });
      assert.equal(first.status, 200);
      const firstRows = rowsOf(first.text);
      assert.equal(firstRows.length, 100);
      assert.ok(firstRows.every((c) => c === 'DEVICE_CERTIFICATE_AGE_CHECK'));
      const next = /href="([^"]+)">Next page/.exec(first.text)?.[1]?.replaceAll('&amp;', '&');
      assert.ok(next, 'a second page follows');
      const second = await rawRequest(own.url, { path: next });
      assert.deepEqual(rowsOf(second.text), ['LOGGING_DISABLED_CHECK']);
      assert.doesNotMatch(second.text, /Next page/);
      assert.deepEqual(rowsOf((await rawRequest(own.url, { path: `${path}?severity=HIGH` })).text), []);
      assert.equal((await rawRequest(own.url, { path: `${path}?severity=SEVERE` })).status, 400);
      assert.equal((await rawRequest(own.url, { path: `${path}?severity=LOW&nextToken=7:abc` })).status, 400);
      // With a check too: only that check's findings, when it has the severity.
      assert.deepEqual(rowsOf((await rawRequest(own.url, { path: `${path}?severity=LOW&checkName=LOGGING_DISABLED_CHECK` })).text), ['LOGGING_DISABLED_CHECK']);
      assert.deepEqual(rowsOf((await rawRequest(own.url, { path: `${path}?severity=CRITICAL&checkName=LOGGING_DISABLED_CHECK` })).text), []);
    } finally {
      await own.close();
    }
  });

  test('a form without the cookie token is refused and changes nothing; a form returns only to this account', async () => {
    const audits = async () =>
      (await server.iot(ACCOUNT).send(new ListAuditTasksCommand({ startTime: new Date(Date.now() - 3_600_000), endTime: new Date(Date.now() + 3_600_000) }))).tasks!.length;
    const before = await audits();
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const token = 'a'.repeat(64);
    for (const headers of [form, { ...form, cookie: `ddlocal_form=${'b'.repeat(64)}` }]) {
      const res = await rawRequest(server.url, { method: 'POST', path: `${base}/audits`, headers, body: `formToken=${token}&check=LOGGING_DISABLED_CHECK` });
      assert.equal(res.status, 403);
      assert.match(res.text, /<h1>Form refused<\/h1>/);
    }
    assert.equal(await audits(), before);
    // With the matching pair, the form works; a return address elsewhere is replaced by the account's overview.
    const suppress = (back: string) =>
      rawRequest(server.url, {
        method: 'POST',
        path: `${base}/suppressions`,
        headers: { ...form, cookie: `ddlocal_form=${token}` },
        body: new URLSearchParams({ formToken: token, change: 'unsuppress', checkName: 'LOGGING_DISABLED_CHECK', resourceIdentifier: JSON.stringify({ account: ACCOUNT }), back }).toString(),
      });
    // 'http://[' is not a URL at all: it once made the answer a 500.
    for (const back of ['https://evil.example/x', '//evil.example/x', `/ui/999999999999/us-east-1/`, 'http://[']) {
      const res = await suppress(back);
      assert.equal(res.status, 303, back);
      assert.equal(res.headers.location, `${base}/`, back);
    }
    assert.equal((await suppress(`${base}/audits?taskStatus=COMPLETED`)).headers.location, `${base}/audits?taskStatus=COMPLETED`);
    // Forms post only to an account's pages.
    assert.equal((await rawRequest(server.url, { method: 'POST', path: '/', headers: form, body: '' })).status, 405);
  });

  test("pages carry a policy allowing only ddlocal's own script and style, no framing; errors are pages with the API status and words", async () => {
    const overview = await rawRequest(server.url, { path: `${base}/` });
    assert.equal(overview.status, 200);
    assert.match(String(overview.headers['content-type']), /^text\/html/);
    const policy = String(overview.headers['content-security-policy']);
    assert.match(policy, /default-src 'none'/);
    assert.match(policy, /frame-ancestors 'none'/);
    assert.match(policy, /script-src 'self';/, 'no inline script, nothing from another origin');
    assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval|\*/);
    assert.equal(overview.headers['x-content-type-options'], 'nosniff');
    const script = await rawRequest(server.url, { path: '/ui/assets/live.js' });
    assert.equal(script.status, 200);
    assert.match(String(script.headers['content-type']), /^text\/javascript/);
    assert.doesNotMatch(script.text, /innerHTML|insertAdjacentHTML|eval\(/, 'the stream only ever writes text into the page');

    // An audit's event stream: its checks done, then `end` once it has ended (this one has: at once).
    const events = await rawRequest(server.url, { path: `${base}/audits/${auditId}/events` });
    assert.equal(events.status, 200);
    assert.equal(events.headers['content-type'], 'text/event-stream; charset=utf-8');
    assert.match(events.text, /event: update\ndata: \{"text":\{"audit-checks-done":"3","audit-checks-total":"3"\}/);
    assert.match(events.text, /event: end\ndata: \{"status":"COMPLETED"\}\n\n$/);
    const unknownEvents = await rawRequest(server.url, { path: `${base}/audits/${'f'.repeat(32)}/events` });
    assert.equal(unknownEvents.status, 404);
    assert.match(unknownEvents.text, /<h1>ResourceNotFoundException<\/h1>/);

    const unknownFinding = await rawRequest(server.url, { path: `${base}/findings/no-such-finding` });
    assert.equal(unknownFinding.status, 404);
    assert.match(unknownFinding.text, /<h1>ResourceNotFoundException<\/h1>/);

    const unknownAudit = await rawRequest(server.url, { path: `${base}/audits/${'f'.repeat(32)}` });
    assert.equal(unknownAudit.status, 404);
    assert.match(unknownAudit.text, /<h1>ResourceNotFoundException<\/h1>/);
    assert.match(unknownAudit.text, new RegExp(`Audit task ${'f'.repeat(32)} does not exist`));

    const badToken = await rawRequest(server.url, { path: `${base}/audits/${auditId}?nextToken=%3Cnot-a-token%3E` });
    assert.equal(badToken.status, 400);
    assert.match(badToken.text, /<h1>InvalidRequestException<\/h1>/);
    assert.doesNotMatch(badToken.text, /<not-a-token>/, 'the token is escaped wherever the page repeats it');

    const badStatus = await rawRequest(server.url, { path: `${base}/audits?taskStatus=NOPE` });
    assert.equal(badStatus.status, 400, 'a filter value outside the model enum is refused as the API refuses it');

    for (const path of ['/ui/nope', `/ui/12345/us-east-1/`, `${base}/unknown`, '/ui/switch?scope=x']) {
      const res = await rawRequest(server.url, { path });
      assert.ok(res.status === 404 || res.status === 400, `${path}: ${res.status}`);
      assert.match(String(res.headers['content-type']), /^text\/html/, path);
    }
    const switched = await rawRequest(server.url, { path: `/ui/switch?scope=${ACCOUNT}/eu-west-1` });
    assert.equal(switched.status, 302);
    assert.equal(switched.headers.location, `/ui/${ACCOUNT}/eu-west-1/`);
  });

  test('a link from another site opens a page; other cross-site requests are still refused', async () => {
    const navigation = { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' };
    assert.equal((await rawRequest(server.url, { path: `${base}/audits/${auditId}`, headers: navigation })).status, 200);
    // A script's fetch from that site, or a navigation to the API, is not a link to a page.
    const fetched = await rawRequest(server.url, { path: `${base}/audits/${auditId}`, headers: { ...navigation, 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' } });
    assert.equal(fetched.status, 403);
    assert.equal((await rawRequest(server.url, { path: '/things', headers: navigation })).status, 403);
    // A rebound host name is refused whatever the request is.
    assert.equal((await rawRequest(server.url, { path: `${base}/`, headers: { ...navigation, host: 'attacker.test' } })).status, 403);
  });
});

describe('strict mode: the pages after signing in with an access key, as that principal', () => {
  const key = (name: string) => ({ accessKeyId: `AKIA${name.toUpperCase().padEnd(16, '0')}`, secretAccessKey: `${name}-secret` });
  const ADMIN = key('admin');
  const VIEWER = key('viewer');
  const NOBODY = key('nobody');
  const readOnly = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iot:Describe*', 'iot:List*'], Resource: '*' }] };
  let server: TestServer;
  let browser: Browser;
  let auditId: string;
  const base = `/ui/${ACCOUNT}/us-east-1`;

  before(async () => {
    server = await startTestServer('sqlite', {
      authMode: 'strict',
      credentials: [
        { ...ADMIN, accountId: ACCOUNT, admin: true },
        { ...VIEWER, accountId: ACCOUNT, principalArn: `arn:aws:iam::${ACCOUNT}:user/viewer`, policies: [{ name: 'read-only', document: readOnly }] },
        { ...NOBODY, accountId: ACCOUNT, principalArn: `arn:aws:iam::${ACCOUNT}:user/nobody`, policies: [] },
      ],
    });
    auditId = await seedWalkthrough(new IoTClient({ endpoint: server.url, region: 'us-east-1', credentials: ADMIN, maxAttempts: 1 }));
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('without a session every page leads to sign-in and shows nothing of any account', async () => {
    for (const path of ['/', `${base}/`, `${base}/audits/${auditId}`]) {
      const res = await rawRequest(server.url, { path });
      assert.equal(res.status, 302, path);
      assert.equal(res.headers.location, '/ui/sign-in', path);
    }
    const form = await rawRequest(server.url, { method: 'POST', path: `${base}/audits`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'check=LOGGING_DISABLED_CHECK' });
    assert.equal(form.status, 403);
    assert.doesNotMatch(form.text, new RegExp(auditId));
  });

  test('a wrong secret is refused without saying which part was wrong; the read-only principal reads but cannot start an audit', async () => {
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    try {
      await signIn(page, server.url, { ...VIEWER, secretAccessKey: 'not-the-secret' });
      assert.match((await page.locator('[role="alert"]').textContent())!, /access key id, secret access key or session token is not right/);
      assert.deepEqual(await seriousViolations(page), []);
      if (SCREENSHOTS) {
        for (const colorScheme of ['light', 'dark'] as const) {
          await page.emulateMedia({ colorScheme });
          await page.screenshot({ path: `${SCREENSHOTS}sign-in-refused-${colorScheme}.png`, fullPage: true });
        }
        await page.emulateMedia({ colorScheme: 'light' });
      }

      await signIn(page, server.url, VIEWER);
      assert.equal(new URL(page.url()).pathname, `${base}/`);
      assert.match((await page.locator('header').textContent())!, new RegExp(`arn:aws:iam::${ACCOUNT}:user/viewer`));
      assert.equal(await page.locator(`a[href="${base}/audits/${auditId}"]`).count(), 1);
      assert.deepEqual(await seriousViolations(page), []);

      // Starting an audit needs iot:StartOnDemandAuditTask, which the policy does not allow: the API's AccessDenied is
      // the page, and no audit starts.
      const tasks = async () =>
        (await new IoTClient({ endpoint: server.url, region: 'us-east-1', credentials: ADMIN, maxAttempts: 1 }).send(
          new ListAuditTasksCommand({ startTime: new Date(Date.now() - 3_600_000), endTime: new Date(Date.now() + 3_600_000) }),
        )).tasks!.length;
      const before = await tasks();
      await page.goto(`${server.url}${base}/audits`);
      await page.locator('button', { hasText: 'Start audit' }).click();
      await page.waitForLoadState();
      assert.equal(await page.locator('h1').textContent(), 'AccessDeniedException');
      assert.match((await page.locator('main').textContent())!, /iot:StartOnDemandAuditTask/);
      assert.equal(await tasks(), before);

      // Another account is not this principal's.
      const other = await page.goto(`${server.url}/ui/999999999999/us-east-1/`);
      assert.equal(other!.status(), 403);

      // Signing out ends the session: the same cookie no longer opens a page.
      const cookies = await context.cookies();
      await page.goto(`${server.url}${base}/`);
      await page.locator('button', { hasText: 'Sign out' }).click();
      await page.waitForLoadState();
      assert.equal(new URL(page.url()).pathname, '/ui/sign-in');
      const session = cookies.find((c) => c.name === 'ddlocal_session')!;
      const replay = await rawRequest(server.url, { path: `${base}/`, headers: { cookie: `ddlocal_session=${session.value}` } });
      assert.equal(replay.status, 302);
      assert.equal(replay.headers.location, '/ui/sign-in');
      assert.ok(session.httpOnly && session.sameSite === 'Strict', 'the session cookie is HttpOnly and SameSite=Strict');
    } finally {
      await context.close();
    }
  });

  test('sign-in refuses, with its page, secrets and tokens of any text', async () => {
    // Regression: a secret with as many characters as the real one but more bytes ("é" for "a") made the constant-time
    // comparison throw, answering 500.
    const token = 'c'.repeat(64);
    const attempt = (fields: Record<string, string>) =>
      rawRequest(server.url, {
        method: 'POST',
        path: '/ui/sign-in',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `ddlocal_form=${token}` },
        body: new URLSearchParams({ formToken: token, ...fields }).toString(),
      });
    const sameLength = 'é'.repeat(VIEWER.secretAccessKey.length);
    for (const fields of <Record<string, string>[]>[
      { accessKeyId: VIEWER.accessKeyId, secretAccessKey: sameLength },
      { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: sameLength },
      { accessKeyId: VIEWER.accessKeyId, secretAccessKey: VIEWER.secretAccessKey, sessionToken: 'ü' },
      { accessKeyId: '', secretAccessKey: '' },
    ]) {
      const res = await attempt(fields);
      assert.equal(res.status, 403, JSON.stringify(fields));
      assert.match(res.text, /access key id, secret access key or session token is not right/);
    }
    const ok = await attempt({ accessKeyId: VIEWER.accessKeyId, secretAccessKey: VIEWER.secretAccessKey });
    assert.equal(ok.status, 303);
    assert.match(String(ok.headers['set-cookie']), /^ddlocal_session=[0-9a-f]{64}; Path=\/; HttpOnly; SameSite=Strict/);
  });

  test('a principal without policies sees the API refuse it, page by page', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await signIn(page, server.url, NOBODY);
      assert.equal(new URL(page.url()).pathname, `${base}/`);
      assert.equal(await page.locator('h1').textContent(), 'AccessDeniedException');
      assert.doesNotMatch((await page.content())!, new RegExp(auditId));
    } finally {
      await context.close();
    }
  });
});
