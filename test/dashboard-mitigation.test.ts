// The dashboard's mitigation pages in a real Chromium against a real ddlocal: the README's seed scenario done
// entirely through the pages — create the policy and the action, enable the checks and run the audit, see the
// finding, preview, start the task, watch it complete, see the policy's new default version and its diff, undo — in
// open mode and in strict mode as a principal allowed to, each page checked with axe-core; a principal denied
// mitigation sees the API's AccessDeniedException and nothing changes; and a running task's page follows its
// Server-Sent Events, failures included, until it ends.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import {
  CreateMitigationActionCommand,
  CreatePolicyCommand,
  DescribeAuditFindingCommand,
  DescribeAuditMitigationActionsTaskCommand,
  DescribeAuditTaskCommand,
  GetPolicyCommand,
  IoTClient,
  ListAuditMitigationActionsTasksCommand,
  ListMitigationActionsCommand,
  StartOnDemandAuditTaskCommand,
  UpdateAccountAuditConfigurationCommand,
} from '@aws-sdk/client-iot';
import { startTestServer, type TestServer } from './helpers/server.js';
import { rawRequest } from './helpers/raw-http.js';
import { freePort } from './helpers/ports.js';
import { launchChromium, seriousViolations, signIn, SCREENSHOTS } from './helpers/browser.js';
import { MAX_EVENT_STREAMS } from '../src/protocol/http-server.js';

const ACCOUNT = '123456789012';
const BASE = `/ui/${ACCOUNT}/us-east-1`;
const ALLOW_ALL = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] });
const CHECKS = ['IOT_POLICY_OVERLY_PERMISSIVE_CHECK', 'LOGGING_DISABLED_CHECK'];

async function clickAndLoad(page: Page, selector: ReturnType<Page['locator']>) {
  await Promise.all([page.waitForLoadState(), selector.click()]);
  await page.waitForLoadState();
}

const button = (page: Page, text: string) => page.locator('button', { hasText: text });

/** Waits for the page (which reloads itself) to show `text` in its main content. */
async function waitForText(page: Page, text: RegExp, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const main = await page.locator('main').textContent().catch(() => '');
    if (text.test(main ?? '')) return;
    if (Date.now() > deadline) assert.fail(`the page never showed ${text}; it shows: ${main}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * The seed scenario, every step through the pages. Returns the mitigation task's id. `check` runs axe on the page
 * and may take a screenshot under `name`.
 */
async function seedScenarioThroughPages(page: Page, url: string, iot: IoTClient, check: (name: string) => Promise<void>): Promise<string> {
  // 1. The policy: Registry → Policies → the create form.
  await page.goto(`${url}${BASE}/registry/policies`);
  await page.fill('input[name="policyName"]', 'AllowAll');
  await page.fill('textarea[name="policyDocument"]', ALLOW_ALL);
  await clickAndLoad(page, button(page, 'Create policy'));
  assert.equal(new URL(page.url()).pathname, `${BASE}/registry/policies/AllowAll`);
  assert.equal((await iot.send(new GetPolicyCommand({ policyName: 'AllowAll' }))).defaultVersionId, '1');

  // 2. The mitigation action: its type first, then the form the model's parameter shape builds.
  await page.goto(`${url}${BASE}/mitigation`);
  await clickAndLoad(page, page.locator('a', { hasText: 'New mitigation action' }));
  await page.check('input[value="REPLACE_DEFAULT_POLICY_VERSION"]');
  await check('mitigation-action-type');
  await clickAndLoad(page, button(page, 'Next'));
  await page.fill('input[name="actionName"]', 'ResetPolicyVersionAction');
  await page.fill('input[name="roleArn"]', `arn:aws:iam::${ACCOUNT}:role/Mitigation`);
  assert.equal(await page.locator('select[name="params.templateName"]').inputValue(), 'BLANK_POLICY');
  await check('mitigation-action-new');
  await clickAndLoad(page, button(page, 'Create action'));
  assert.equal(new URL(page.url()).pathname, `${BASE}/mitigation/actions/ResetPolicyVersionAction`);
  assert.match((await page.locator('main').textContent())!, /REPLACE_DEFAULT_POLICY_VERSION/);
  await check('mitigation-action');

  // 3. The audit: enable the two checks in the settings, then start it; its page reloads until it completes.
  await page.goto(`${url}${BASE}/audits`);
  for (const name of CHECKS) await page.check(`input[name="enable"][value="${name}"]`);
  await clickAndLoad(page, button(page, 'Save settings'));
  await clickAndLoad(page, button(page, 'Start audit'));
  assert.match(new URL(page.url()).pathname, new RegExp(`^${BASE}/audits/[0-9a-f]{32}$`));
  await waitForText(page, /COMPLETED/);

  // 4. The finding: select the policy's, and ask to mitigate it.
  const row = page.locator('section[aria-labelledby="findings"] tbody tr', { hasText: 'AllowAll' });
  assert.equal(await row.count(), 1);
  assert.match((await row.textContent())!, /IOT_POLICY_OVERLY_PERMISSIVE_CHECK/);
  await row.locator('input[type="checkbox"]').check();
  await clickAndLoad(page, button(page, 'Mitigate the selected findings'));
  assert.equal(new URL(page.url()).pathname, `${BASE}/mitigation/new`);
  await page.check('input[name="action.IOT_POLICY_OVERLY_PERMISSIVE_CHECK"][value="ResetPolicyVersionAction"]');
  await check('mitigation-new-task');

  // 5. The preview: what would change, before anything does.
  await clickAndLoad(page, button(page, 'Preview'));
  const planned = page.locator('section[aria-labelledby="planned"] tbody tr');
  assert.equal(await planned.count(), 1);
  assert.match((await planned.textContent())!, /ResetPolicyVersionAction[\s\S]*would change/);
  assert.match((await planned.textContent())!, /AllowAll/);
  assert.equal((await iot.send(new GetPolicyCommand({ policyName: 'AllowAll' }))).defaultVersionId, '1', 'the preview changed nothing');
  await check('mitigation-preview');

  // 6. Start it, and watch it complete.
  await clickAndLoad(page, button(page, 'Start the task'));
  const taskId = /\/mitigation\/tasks\/([^/]+)$/.exec(new URL(page.url()).pathname)?.[1];
  assert.ok(taskId, page.url());
  await waitForText(page, /Status\s*COMPLETED/);
  assert.match((await page.locator('#count-succeeded').textContent())!, /^1$/);
  const executions = page.locator('section[aria-labelledby="executions"] tbody tr');
  assert.match((await executions.textContent())!, /ResetPolicyVersionAction\s*COMPLETED/);
  // The execution names what it acted on, linked to the registry: the policy version the finding flagged.
  assert.equal(await executions.locator(`a[href="${BASE}/registry/policies/AllowAll?version=1"]`).count(), 1);
  await check('mitigation-task');

  // 7. The policy's new default version, and what changed.
  assert.equal((await iot.send(new GetPolicyCommand({ policyName: 'AllowAll' }))).defaultVersionId, '2');
  await page.goto(`${url}${BASE}/registry/policies/AllowAll`);
  assert.match((await page.locator('main').textContent())!, /Version 2[\s\S]*default/i);
  await clickAndLoad(page, page.locator('a', { hasText: 'Changes from version 1' }));
  // BLANK_POLICY: the same statement, denied.
  assert.match((await page.locator('del.diff-del').allTextContents()).join('\n'), /"Effect": "Allow"/);
  assert.match((await page.locator('ins.diff-add').allTextContents()).join('\n'), /"Effect": "Deny"/);
  await check('policy-diff-after-mitigation');

  // 8. Undo it: the result of each execution, and the old default version is back.
  await page.goto(`${url}${BASE}/mitigation/tasks/${taskId}`);
  await clickAndLoad(page, button(page, 'Undo the task'));
  assert.match((await page.locator('main').textContent())!, /1\s*of 1 execution restored/);
  assert.match((await page.locator('section[aria-labelledby="results"] tbody').textContent())!, /ResetPolicyVersionAction\s*restored/);
  await check('mitigation-undo');
  assert.equal((await iot.send(new GetPolicyCommand({ policyName: 'AllowAll' }))).defaultVersionId, '1');
  return taskId!;
}

function axeAndShots(page: Page, colorScheme: string, prefix = '') {
  return async (name: string) => {
    assert.deepEqual(await seriousViolations(page), [], `axe on ${name} (${colorScheme})`);
    if (!SCREENSHOTS || prefix) return;
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: `${SCREENSHOTS}${name}-${colorScheme}.png`, fullPage: true });
  };
}

describe('mitigation through the dashboard, open mode', () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    test(`the seed scenario entirely through the pages, axe-clean (${colorScheme})`, async () => {
      const server = await startTestServer('sqlite');
      // bypassCSP: axe is injected as a script, which the pages' policy (only ddlocal's own script) would refuse.
      const context = await browser.newContext({ colorScheme, bypassCSP: true, viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      try {
        const taskId = await seedScenarioThroughPages(page, server.url, server.iot(ACCOUNT), axeAndShots(page, colorScheme));
        // The index lists the action and the task; the overview links the task when it runs (it has ended here).
        await page.goto(`${server.url}${BASE}/mitigation`);
        assert.equal(await page.locator(`a[href="${BASE}/mitigation/tasks/${taskId}"]`).count(), 1);
        assert.equal(await page.locator(`a[href="${BASE}/mitigation/actions/ResetPolicyVersionAction"]`).count(), 1);
        await axeAndShots(page, colorScheme)('mitigation');
        // The API's filters: by status, and by audit (the task's findings came from the audit).
        await page.selectOption('select[name="taskStatus"]', 'FAILED');
        await clickAndLoad(page, button(page, 'Filter'));
        assert.equal(await page.locator(`a[href="${BASE}/mitigation/tasks/${taskId}"]`).count(), 0);
        const task = await server.iot(ACCOUNT).send(new DescribeAuditMitigationActionsTaskCommand({ taskId }));
        const findingId = task.target!.findingIds![0]!;
        const { finding } = await server.iot(ACCOUNT).send(new DescribeAuditFindingCommand({ findingId }));
        await page.goto(`${server.url}${BASE}/mitigation?taskStatus=COMPLETED&auditTaskId=${finding!.taskId}`);
        assert.equal(await page.locator(`a[href="${BASE}/mitigation/tasks/${taskId}"]`).count(), 1);
        // The finding's page lists the task that counted it.
        await page.goto(`${server.url}${BASE}/findings/${findingId}`);
        assert.equal(await page.locator(`section[aria-labelledby="tasks"] a[href="${BASE}/mitigation/tasks/${taskId}"]`).count(), 1);
        assert.deepEqual(await seriousViolations(page), []);
      } finally {
        await context.close();
        await server.close();
      }
    });
  }

  test('editing and deleting an action goes through the API; a bad parameter is the API refusal, unchanged', async () => {
    const server = await startTestServer('sqlite');
    const iot = server.iot(ACCOUNT);
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    try {
      await page.goto(`${server.url}${BASE}/mitigation/actions/new?type=ADD_THINGS_TO_THING_GROUP`);
      await page.fill('input[name="actionName"]', 'Quarantine');
      // Not a thing group name (the model's pattern): CreateMitigationAction refuses, and the refusal is the page.
      await page.fill('textarea[name="params.thingGroupNames"]', 'not a group name!');
      await clickAndLoad(page, button(page, 'Create action'));
      assert.match((await page.locator('h1').textContent())!, /Exception$/);
      assert.equal((await iot.send(new ListMitigationActionsCommand({}))).actionIdentifiers!.length, 0);

      await iot.send(
        new CreateMitigationActionCommand({
          actionName: 'Deactivate',
          roleArn: `arn:aws:iam::${ACCOUNT}:role/Mitigation`,
          actionParams: { updateDeviceCertificateParams: { action: 'DEACTIVATE' } },
        }),
      );
      await page.goto(`${server.url}${BASE}/mitigation/actions/Deactivate`);
      await page.fill('input[name="roleArn"]', `arn:aws:iam::${ACCOUNT}:role/Other`);
      await clickAndLoad(page, button(page, 'Save changes'));
      assert.match((await page.locator('main').textContent())!, /Last modified/);
      assert.equal(await page.locator('input[name="roleArn"]').inputValue(), `arn:aws:iam::${ACCOUNT}:role/Other`);
      await clickAndLoad(page, button(page, 'Delete Deactivate'));
      assert.equal(new URL(page.url()).pathname, `${BASE}/mitigation`);
      assert.equal((await iot.send(new ListMitigationActionsCommand({}))).actionIdentifiers!.length, 0);

      // Unknown names are 404 pages, never 500s.
      for (const path of ['/mitigation/actions/nope', '/mitigation/tasks/nope', '/mitigation/tasks/a%2Fb', '/mitigation/tasks/x/events']) {
        const res = await rawRequest(server.url, { path: `${BASE}${path}` });
        assert.ok(res.status === 404 || res.status === 400, `${path}: ${res.status}`);
      }
    } finally {
      await context.close();
      await server.close();
    }
  });
});

test('hostile addresses and forms on the mitigation pages answer 4xx pages, never a 500, and change nothing', async () => {
  const server = await startTestServer('sqlite');
  try {
    const first = await rawRequest(server.url, { path: `${BASE}/` });
    const cookie = String(first.headers['set-cookie']).split(';')[0]!;
    const token = cookie.split('=')[1]!;
    const deep = '['.repeat(30_000) + ']'.repeat(30_000);
    const gets = [
      `/mitigation/new?findingId=${'x'.repeat(200)}`,
      `/mitigation/new?${Array.from({ length: 30 }, (_, i) => `findingId=f${i}`).join('&')}`,
      '/mitigation/new?auditTaskId=%00',
      `/mitigation/new?auditTaskId=${'a'.repeat(32)}&preview=1&action.X=Y`,
      `/mitigation/new?findingId=abc&preview=1&action.IOT_POLICY_OVERLY_PERMISSIVE_CHECK=nope&reasons.IOT_POLICY_OVERLY_PERMISSIVE_CHECK=${','.repeat(5000)}`,
      '/mitigation/tasks/x?outcome=NOPE',
      '/mitigation/tasks/x?after=%25%25',
      `/mitigation/actions/${'a'.repeat(129)}`,
      '/mitigation/tasks/x/events',
      `/audits/${'a'.repeat(32)}?severity=LOW&nextToken=0:${'A'.repeat(5000)}`,
      '/mitigation?nextToken=abc',
      // Regression: a query key naming an Object.prototype member made the builder call push on the prototype (500).
      `/mitigation/new?auditTaskId=${'a'.repeat(32)}&preview=1&action.__proto__=x`,
      `/mitigation/new?auditTaskId=${'a'.repeat(32)}&preview=1&action.IOT_POLICY_OVERLY_PERMISSIVE_CHECK=x&reasons.__proto__=x`,
      `/mitigation/new?auditTaskId=${'a'.repeat(32)}&action.constructor=x`,
    ];
    for (const path of gets) {
      const res = await rawRequest(server.url, { path: `${BASE}${path}` });
      assert.ok(res.status >= 400 && res.status < 500, `${path.slice(0, 80)}: ${res.status}`);
      assert.match(String(res.headers['content-type']), /^text\/html/);
    }
    const post = (path: string, fields: Record<string, string>) =>
      rawRequest(server.url, {
        method: 'POST',
        path: `${BASE}${path}`,
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ formToken: token, ...fields }).toString(),
      });
    const forms: [string, Record<string, string>][] = [
      ['/mitigation/tasks', { request: `{"target":${deep}}` }],
      ['/mitigation/tasks', { request: 'null' }],
      ['/mitigation/tasks', { request: '{"target":{"auditTaskId":"x"},"auditCheckToActionsMapping":{"__proto__":["a"]}}' }],
      ['/mitigation/actions', { actionType: 'toString', actionName: 'a' }],
      ['/mitigation/actions', { actionType: 'REPLACE_DEFAULT_POLICY_VERSION', actionName: 'a', roleArn: `arn:aws:iam::${ACCOUNT}:role/x`, 'params.templateName': 'NOPE' }],
      ['/mitigation/actions', { actionType: 'ADD_THINGS_TO_THING_GROUP', actionName: 'a', roleArn: `arn:aws:iam::${ACCOUNT}:role/x`, 'params.thingGroupNames': 'a\n'.repeat(20_000), 'params.overrideDynamicGroups': 'maybe' }],
      ['/mitigation/tasks/x/undo', {}],
      ['/mitigation/tasks/x/cancel', {}],
      ['/audits/settings', { roleArn: '', enable: 'NOPE' }],
    ];
    for (const [path, fields] of forms) {
      const res = await post(path, fields);
      assert.ok(res.status >= 400 && res.status < 500, `${path} ${JSON.stringify(fields).slice(0, 80)}: ${res.status}`);
    }
    assert.equal((await server.iot(ACCOUNT).send(new ListMitigationActionsCommand({}))).actionIdentifiers!.length, 0);
  } finally {
    await server.close();
  }
});


/**
 * A server whose SNS endpoint is a closed port: a PUBLISH_FINDING_TO_SNS execution stays IN_PROGRESS until the
 * delivery deadline, then fails. Seeded with the walkthrough's policy, the two checks and a Notify action.
 */
async function snsStalledServer(deliveryDeadlineMs: number): Promise<TestServer> {
  const server = await startTestServer('sqlite', {
    sns: { endpoint: `http://127.0.0.1:${await freePort()}`, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 },
    snsDeliveryDeadlineMs: deliveryDeadlineMs,
  });
  const iot = server.iot(ACCOUNT);
  await iot.send(new CreatePolicyCommand({ policyName: 'AllowAll', policyDocument: ALLOW_ALL }));
  await iot.send(
    new UpdateAccountAuditConfigurationCommand({
      roleArn: `arn:aws:iam::${ACCOUNT}:role/Audit`,
      auditCheckConfigurations: Object.fromEntries(CHECKS.map((c) => [c, { enabled: true }])),
    }),
  );
  await iot.send(
    new CreateMitigationActionCommand({
      actionName: 'Notify',
      roleArn: `arn:aws:iam::${ACCOUNT}:role/Mitigation`,
      actionParams: { publishFindingToSnsParams: { topicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:findings` } },
    }),
  );
  return server;
}

describe('a running task, live', () => {
  /** Its tasks fail 6 s after they start: long enough to watch, short enough to see them end. */
  let failing: TestServer;
  /** Its tasks run until canceled (or the server stops): for tests that must not race the task's end. */
  let lasting: TestServer;
  let browser: Browser;
  before(async () => {
    failing = await snsStalledServer(6000);
    lasting = await snsStalledServer(600_000);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await failing?.close();
    await lasting?.close();
  });

  async function auditNow(iot: IoTClient) {
    const { taskId } = await iot.send(new StartOnDemandAuditTaskCommand({ targetCheckNames: CHECKS }));
    while ((await iot.send(new DescribeAuditTaskCommand({ taskId }))).taskStatus === 'IN_PROGRESS') await new Promise((r) => setTimeout(r, 50));
    return taskId!;
  }

  /** Starts a task that notifies SNS (unreachable: it runs until the deadline, then fails) through the pages. */
  async function startNotifyTask(server: TestServer, page: Page, auditId: string) {
    await page.goto(`${server.url}${BASE}/mitigation/new?auditTaskId=${auditId}`);
    await page.check('input[name="action.IOT_POLICY_OVERLY_PERMISSIVE_CHECK"][value="Notify"]');
    await page.check('input[name="action.LOGGING_DISABLED_CHECK"][value="Notify"]');
    await clickAndLoad(page, button(page, 'Preview'));
    assert.equal(await page.locator('section[aria-labelledby="planned"] tbody tr').count(), 2);
    await clickAndLoad(page, button(page, 'Start the task'));
    return /\/mitigation\/tasks\/([^/]+)$/.exec(new URL(page.url()).pathname)![1]!;
  }

  test('the task page follows the event stream: counts while it runs, each failure as it happens, then the final page', async () => {
    const auditId = await auditNow(failing.iot(ACCOUNT));
    const context = await browser.newContext({ bypassCSP: true });
    // What the stream writes into a live page, kept across the reload the `end` event causes. Installed before any
    // page loads, so no event can arrive before it observes.
    await context.addInitScript(() => {
      document.addEventListener('DOMContentLoaded', () => {
        const main = document.querySelector('main');
        if (!main || !document.querySelector('[data-events]')) return;
        new MutationObserver(() => {
          const seen = JSON.parse(sessionStorage.getItem('seen') ?? '[]') as string[];
          seen.push(`${document.getElementById('progress-rate')?.textContent}|${document.getElementById('failures')?.textContent}`);
          sessionStorage.setItem('seen', JSON.stringify(seen));
        }).observe(main, { subtree: true, childList: true, characterData: true });
      });
    });
    const page = await context.newPage();
    try {
      const taskId = await startNotifyTask(failing, page, auditId);
      assert.match((await page.locator('#progress-status').textContent())!, /IN_PROGRESS/);
      assert.deepEqual(await seriousViolations(page), [], 'the running task page');
      if (SCREENSHOTS) {
        await page.waitForFunction(() => document.getElementById('progress-rate')?.textContent !== 'measuring…').catch(() => undefined);
        await page.screenshot({ path: `${SCREENSHOTS}mitigation-task-running-light.png`, fullPage: true });
        await page.emulateMedia({ colorScheme: 'dark' });
        await page.screenshot({ path: `${SCREENSHOTS}mitigation-task-running-dark.png`, fullPage: true });
        await page.emulateMedia({ colorScheme: 'light' });
      }
      await waitForText(page, /Status\s*COMPLETED|Status\s*FAILED/, 30_000);
      const seen = JSON.parse((await page.evaluate(() => sessionStorage.getItem('seen'))) ?? '[]') as string[];
      assert.ok(seen.some((s) => /findings\/s/.test(s.split('|')[0]!)), `the rate was measured live: ${seen.join(' / ')}`);
      assert.ok(seen.some((s) => /Notify/.test(s.split('|')[1]!)), `a failure row arrived live: ${seen.join(' / ')}`);
      // The final page: both executions failed, with the SNS error.
      assert.match((await page.locator('#count-failed').textContent())!, /^2$/);
      assert.match((await page.locator('section[aria-labelledby="executions"]').textContent())!, /Notify\s*FAILED/);
      assert.equal(new URL(page.url()).pathname, `${BASE}/mitigation/tasks/${taskId}`);
    } finally {
      await context.close();
    }
  });

  test('the event stream over HTTP: update events, then end when the task ends; cancel from the page', async () => {
    const auditId = await auditNow(lasting.iot(ACCOUNT));
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    try {
      const taskId = await startNotifyTask(lasting, page, auditId);
      // Cancel: the SNS messages already handed over finish as they will, nothing new starts, the task is CANCELED.
      const events = fetch(`${lasting.url}${BASE}/mitigation/tasks/${taskId}/events`).then(async (res) => {
        assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
        return res.text();
      });
      await clickAndLoad(page, button(page, 'Cancel the task'));
      assert.match((await page.locator('main').textContent())!, /Status\s*CANCELED/);
      const text = await events;
      assert.match(text, /event: update\ndata: \{"text":\{"progress-status":"IN_PROGRESS"/);
      assert.match(text, /event: end\ndata: \{"status":"CANCELED"\}\n\n$/);
    } finally {
      await context.close();
    }
  });

  test(`at most ${MAX_EVENT_STREAMS} live views at once: the next is refused with 503, and closing one frees its place`, async () => {
    const auditId = await auditNow(lasting.iot(ACCOUNT));
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    const streams: AbortController[] = [];
    try {
      const taskId = await startNotifyTask(lasting, page, auditId);
      await page.close(); // its own stream would count too
      const path = `${lasting.url}${BASE}/mitigation/tasks/${taskId}/events`;
      for (let i = 0; i < MAX_EVENT_STREAMS; i++) {
        const stop = new AbortController();
        streams.push(stop);
        assert.equal((await fetch(path, { signal: stop.signal })).status, 200);
      }
      const refused = await fetch(path);
      assert.equal(refused.status, 503);
      assert.equal((await refused.json()).__type ?? refused.headers.get('x-amzn-errortype'), 'ServiceUnavailableException');
      streams.pop()!.abort();
      for (let tries = 0; ; tries++) {
        const again = await fetch(path, { signal: AbortSignal.timeout(500) }).catch(() => undefined);
        if (again?.status === 200) break;
        assert.ok(tries < 50, 'a closed stream frees its place');
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      for (const s of streams) s.abort();
      await context.close();
    }
  });
});

describe('mitigation through the dashboard, strict mode', () => {
  const key = (name: string) => ({ accessKeyId: `AKIA${name.toUpperCase().padEnd(16, '0')}`, secretAccessKey: `${name}-secret` });
  const ADMIN = key('admin');
  const OPERATOR = key('operator');
  const AUDITOR = key('auditor');
  const everything = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iot:*', 'ddlocal:*'], Resource: '*' }] };
  // Everything but mitigation: reading, auditing and previewing are allowed; acting on findings is not.
  const noMitigation = {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['iot:*', 'ddlocal:PreviewAuditMitigationActionsTask'], Resource: '*' },
      { Effect: 'Deny', Action: ['iot:StartAuditMitigationActionsTask', 'iot:CreateMitigationAction', 'ddlocal:UndoAuditMitigationActionsTask'], Resource: '*' },
    ],
  };
  let server: TestServer;
  let browser: Browser;
  const admin = () => new IoTClient({ endpoint: server.url, region: 'us-east-1', credentials: ADMIN, maxAttempts: 1 });

  before(async () => {
    server = await startTestServer('sqlite', {
      authMode: 'strict',
      credentials: [
        { ...ADMIN, accountId: ACCOUNT, admin: true },
        { ...OPERATOR, accountId: ACCOUNT, principalArn: `arn:aws:iam::${ACCOUNT}:user/operator`, policies: [{ name: 'everything', document: everything }] },
        { ...AUDITOR, accountId: ACCOUNT, principalArn: `arn:aws:iam::${ACCOUNT}:user/auditor`, policies: [{ name: 'no-mitigation', document: noMitigation }] },
      ],
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('a principal allowed to runs the seed scenario through the pages, as itself', async () => {
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    try {
      await signIn(page, server.url, OPERATOR);
      await seedScenarioThroughPages(page, server.url, admin(), axeAndShots(page, 'light', 'strict'));
    } finally {
      await context.close();
    }
  });

  test('a principal denied mitigation sees AccessDeniedException on each mitigation form, and nothing changes', async () => {
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    const iot = admin();
    const tasks = async () =>
      (await iot.send(new ListAuditMitigationActionsTasksCommand({ startTime: new Date(Date.now() - 3_600_000), endTime: new Date(Date.now() + 3_600_000) }))).tasks!.length;
    try {
      // The operator's scenario left AllowAll at version 1 (undone), its action and a completed audit.
      const tasksBefore = await tasks();
      await signIn(page, server.url, AUDITOR);

      // Creating an action is denied.
      await page.goto(`${server.url}${BASE}/mitigation/actions/new?type=UPDATE_DEVICE_CERTIFICATE`);
      await page.fill('input[name="actionName"]', 'Deactivate');
      await clickAndLoad(page, button(page, 'Create action'));
      assert.equal(await page.locator('h1').textContent(), 'AccessDeniedException');
      assert.match((await page.locator('main').textContent())!, /iot:CreateMitigationAction/);
      assert.deepEqual((await iot.send(new ListMitigationActionsCommand({}))).actionIdentifiers!.map((a) => a.actionName), ['ResetPolicyVersionAction']);

      // Previewing is allowed; starting the previewed task is denied, and the policy keeps its version.
      await page.goto(`${server.url}${BASE}/audits`);
      await clickAndLoad(page, page.locator('tbody a').first());
      const row = page.locator('section[aria-labelledby="findings"] tbody tr', { hasText: 'AllowAll' });
      await row.locator('input[type="checkbox"]').check();
      await clickAndLoad(page, button(page, 'Mitigate the selected findings'));
      await page.check('input[name="action.IOT_POLICY_OVERLY_PERMISSIVE_CHECK"][value="ResetPolicyVersionAction"]');
      await clickAndLoad(page, button(page, 'Preview'));
      assert.match((await page.locator('section[aria-labelledby="planned"]').textContent())!, /would change/);
      await clickAndLoad(page, button(page, 'Start the task'));
      assert.equal(await page.locator('h1').textContent(), 'AccessDeniedException');
      assert.match((await page.locator('main').textContent())!, /iot:StartAuditMitigationActionsTask/);
      assert.deepEqual(await seriousViolations(page), []);
      assert.equal(await tasks(), tasksBefore);
      assert.equal((await iot.send(new GetPolicyCommand({ policyName: 'AllowAll' }))).defaultVersionId, '1');

      // Undoing the operator's task is denied too (it was undone already; a denial answers before anything is read).
      await page.goto(`${server.url}${BASE}/mitigation`);
      await clickAndLoad(page, page.locator(`a[href^="${BASE}/mitigation/tasks/"]`).first());
      await clickAndLoad(page, button(page, 'Undo the task'));
      assert.equal(await page.locator('h1').textContent(), 'AccessDeniedException');
      assert.match((await page.locator('main').textContent())!, /ddlocal:UndoAuditMitigationActionsTask/);
    } finally {
      await context.close();
    }
  });
});
