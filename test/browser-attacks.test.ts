// Web pages attacking a ddlocal on this machine, in a real headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core): a page served by a second HTTP server on another origin sends a text/plain CreateThing (a
// "simple" request, no preflight), a form POST to /_ddlocal/reset and fetches to the clock; a page whose name is
// rebound to 127.0.0.1 (DNS rebinding, simulated with Chromium's host resolver rules) calls ddlocal as its own origin.
// ddlocal's log proves each request arrived and was refused with 403; the real API, read from Node afterwards, proves
// nothing changed (docs/decisions.md#w18, docs/decisions.md#w19).
//
// Chromium's own local-network protections are switched off: the point is that ddlocal refuses these requests by
// itself, as it must for browsers that do not block them.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { chromium, type Browser } from 'playwright-core';
import { CreateThingCommand, DescribeThingCommand, ListThingsCommand } from '@aws-sdk/client-iot';
import { startTestServer, type TestServer } from './helpers/server.js';
import { rawRequest } from './helpers/raw-http.js';

const CHROMIUM = '/usr/bin/chromium';
const REBOUND_NAME = 'attacker.test';

/** The attacker's page: `attack(target, thingName)` runs every attack against ddlocal at `target` and reports. */
const ATTACK_PAGE = `<!doctype html>
<meta charset="utf-8"><title>attacker</title>
<iframe name="sink"></iframe>
<form id="reset" method="POST" target="sink"></form>
<script>
  window.attack = async (target, thingName) => {
    const outcome = {};
    const send = async (what, url, init) => {
      try {
        outcome[what] = (await fetch(url, init)).status;
      } catch (err) {
        outcome[what] = String(err); // a cross-origin answer is unreadable: the request was still sent
      }
    };
    const simple = (body) => ({ method: 'POST', headers: { 'Content-Type': 'text/plain' }, body });
    await send('createThing', target + '/things/' + thingName, simple(JSON.stringify({ attributePayload: { attributes: { by: 'webpage' } } })));
    await send('advanceClock', target + '/_ddlocal/clock', simple('{"advanceSeconds":31536000}'));
    await send('setClock', target + '/_ddlocal/clock', { ...simple('{"set":"2099-01-01T00:00:00Z"}'), mode: 'no-cors' });
    // A form without fields posts an empty body, which /_ddlocal/reset reads as {}: reset every account.
    const form = document.getElementById('reset');
    form.action = target + '/_ddlocal/reset';
    await new Promise((resolve) => {
      document.querySelector('iframe').onload = resolve;
      form.submit();
    });
    outcome.resetForm = 'submitted';
    return outcome;
  };
</script>`;

/** The request log lines of ddlocal (pino JSON, one object per request). */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info', base: undefined }, stream), lines };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

describe('a real Chromium page cannot drive ddlocal', () => {
  let browser: Browser;
  let ddlocal: TestServer;
  let attacker: Server;
  let attackerPort: number;
  const log = capturingLogger();

  before(async () => {
    if (!existsSync(CHROMIUM))
      assert.fail(
        `${CHROMIUM} is missing: these tests need Debian's chromium package (apt-get install chromium; .ci/run installs it)`,
      );
    ddlocal = await startTestServer('sqlite', { logger: log.logger });
    attacker = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(ATTACK_PAGE);
    });
    attackerPort = await listen(attacker);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        `--host-resolver-rules=MAP ${REBOUND_NAME} 127.0.0.1`,
        '--disable-features=LocalNetworkAccessChecks,PrivateNetworkAccessSendPreflights,PrivateNetworkAccessRespectPreflightResults,BlockInsecurePrivateNetworkRequests',
      ],
    });
  });
  after(async () => {
    await browser?.close();
    attacker?.close();
    await ddlocal?.close();
  });

  /** The state the attacks try to change: a thing to be reset away, and a frozen clock to be moved. */
  async function prepareVictim(thingName: string) {
    const iot = ddlocal.iot();
    try {
      await iot.send(new CreateThingCommand({ thingName }));
    } finally {
      iot.destroy();
    }
    const frozen = await rawRequest(ddlocal.url, { method: 'POST', path: '/_ddlocal/clock', body: '{"freeze":true}' });
    assert.equal(frozen.status, 200, frozen.text);
    return { now: frozen.json.now as string, mode: 'fixed' };
  }

  async function assertNothingChanged(victim: string, attackerThing: string, clockBefore: unknown) {
    const iot = ddlocal.iot();
    try {
      await assert.rejects(iot.send(new DescribeThingCommand({ thingName: attackerThing })), { name: 'ResourceNotFoundException' });
      const names = ((await iot.send(new ListThingsCommand({}))).things ?? []).map((t) => t.thingName);
      assert.ok(names.includes(victim), `${victim} is gone: the data was reset (things left: ${names.join(', ')})`);
    } finally {
      iot.destroy();
    }
    // A frozen clock's offset from system time grows as real time passes; its time and mode must not change.
    const { now, mode } = (await rawRequest(ddlocal.url, { path: '/_ddlocal/clock' })).json;
    assert.deepEqual({ now, mode }, clockBefore, 'the clock did not move');
  }

  /** Asserts that ddlocal received a request for each path since `from` and refused every one of them with 403. */
  function assertArrivedAndRefused(from: number, paths: string[]) {
    const requests = log.lines.slice(from).filter((l) => l.msg === 'request');
    for (const path of paths) {
      const mine = requests.filter((l) => l.path === path);
      assert.ok(mine.length > 0, `Chromium sent ${path}: ${JSON.stringify(requests)}`);
      for (const line of mine) assert.deepEqual([line.status, line.error], [403, 'AccessDeniedException'], JSON.stringify(line));
    }
  }

  for (const pageHost of ['127.0.0.1', 'localhost']) {
    test(`a page of http://${pageHost}:<other port> (${pageHost === 'localhost' ? 'cross-site' : 'same-site'}) changes nothing`, async () => {
      const victim = `victim-${pageHost.replace(/\./g, '-')}`;
      const attackerThing = `created-by-${pageHost.replace(/\./g, '-')}-page`;
      const clockBefore = await prepareVictim(victim);
      const from = log.lines.length;
      const page = await browser.newPage();
      try {
        await page.goto(`http://${pageHost}:${attackerPort}/`);
        const outcome = await page.evaluate(([target, name]) => (window as any).attack(target, name), [ddlocal.url, attackerThing] as const);
        assert.equal(outcome.resetForm, 'submitted', JSON.stringify(outcome));
      } finally {
        await page.close();
      }
      assertArrivedAndRefused(from, [`/things/${attackerThing}`, '/_ddlocal/clock', '/_ddlocal/reset']);
      await assertNothingChanged(victim, attackerThing, clockBefore);
    });
  }

  test(`DNS rebinding: http://${REBOUND_NAME}:<ddlocal's port> resolving to 127.0.0.1 is refused for its Host header`, async () => {
    const clockBefore = await prepareVictim('victim-rebinding');
    const rebound = `http://${REBOUND_NAME}:${ddlocal.port}`;
    const from = log.lines.length;
    const page = await browser.newPage();
    try {
      // Opening ddlocal under the rebound name: the browser gets the 403.
      const health = await page.goto(`${rebound}/_ddlocal/health`);
      assert.equal(health?.status(), 403);
      assert.match(await health!.text(), /"AccessDeniedException".*The Host header 'attacker\.test:\d+'/);
      // The attacker's page as it was first served under that name (before the rebinding); its requests to its own
      // origin now reach ddlocal as same-origin requests, which the browser lets it send and read.
      await page.route(`${rebound}/attack.html`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: ATTACK_PAGE }));
      await page.goto(`${rebound}/attack.html`);
      const outcome = await page.evaluate(([target, name]) => (window as any).attack(target, name), [rebound, 'created-after-rebinding'] as const);
      assert.equal(outcome.createThing, 403, `the page read ddlocal's refusal: ${JSON.stringify(outcome)}`);
      assert.equal(outcome.advanceClock, 403, JSON.stringify(outcome));
    } finally {
      await page.close();
    }
    assertArrivedAndRefused(from, ['/_ddlocal/health', '/things/created-after-rebinding', '/_ddlocal/clock', '/_ddlocal/reset']);
    await assertNothingChanged('victim-rebinding', 'created-after-rebinding', clockBefore);
  });
});
