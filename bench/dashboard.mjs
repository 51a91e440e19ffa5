#!/usr/bin/env node
// The dashboard benchmark (issue 15): an audit with N findings (default 100,000) is shown by a real `ddlocal serve`
// process; measured, per page of 100 findings (the first, the 10th and the 500th, reached through the pages' own
// "Next page" links; and the first page filtered to one check): the server's time to answer the page, and in Debian's
// Chromium (playwright-core) the first contentful paint of that page. Baseline in the same run: the same page read
// through the API (ListAuditFindings, maxResults 100, same nextToken chain) by the AWS SDK — the page costs that
// plus rendering, so the ratio says what the HTML adds.
//
//   npm run build && node bench/dashboard.mjs [--findings 100000] [--samples 20] [--json out.json]
//
// The findings are written before the server starts, through the engine's own storeFindings (as an audit stores
// them), into a fresh SQLite file: 95% DEVICE_CERTIFICATE_AGE_CHECK, 5% DEVICE_CERTIFICATE_EXPIRING_CHECK.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { ListAuditFindingsCommand } from '@aws-sdk/client-iot';
import { ACCOUNT, REGION, ROOT, log, percentile, round2, startServer, stopProcess } from './harness.mjs';

const { openStore } = await import(join(ROOT, 'dist/src/store/store.js'));
const { createAuditTask, storeFindings } = await import(join(ROOT, 'dist/src/audit/engine/engine.js'));

const { values: opts } = parseArgs({
  options: {
    findings: { type: 'string', default: '100000' },
    samples: { type: 'string', default: '20' },
    json: { type: 'string' },
  },
});
const N = Number(opts.findings);
const SAMPLES = Number(opts.samples);
const DAY = 86_400_000;

function* findings(n, now) {
  for (let i = 0; i < n; i++) {
    const id = i.toString(16).padStart(64, '0');
    const expiring = i % 20 === 0;
    yield {
      nonCompliantResource: {
        resourceType: 'DEVICE_CERTIFICATE',
        resourceIdentifier: { deviceCertificateId: id },
        additionalInfo: expiring ? { EXPIRATION_TIME: String(now + 10 * DAY) } : { NOT_BEFORE_TIME: String(now - 400 * DAY) },
      },
      reasonForNonComplianceCode: expiring ? 'CERTIFICATE_APPROACHING_EXPIRATION' : 'CERTIFICATE_PAST_AGE_THRESHOLD',
      reasonForNonCompliance: expiring
        ? 'Certificate expires in 10 days, within the threshold of 30 days.'
        : 'Certificate is 400 days old, which reaches the threshold of 365 days.',
    };
  }
}

async function populate(file) {
  const store = await openStore({ dataFile: file });
  const now = Date.now();
  const started = performance.now();
  const taskId = await store.transaction(async (tx) => {
    const id = await createAuditTask(tx, {
      accountId: ACCOUNT,
      region: REGION,
      taskType: 'ON_DEMAND_AUDIT_TASK',
      taskStartTime: now,
      checks: ['DEVICE_CERTIFICATE_AGE_CHECK', 'DEVICE_CERTIFICATE_EXPIRING_CHECK'],
      configurations: {}, // not enabled: the runner only closes the task, the findings are the ones written here
    });
    const task = { account_id: ACCOUNT, region: REGION, task_id: id, task_start_time: now };
    const all = [...findings(N, now)];
    await storeFindings(tx, task, 'DEVICE_CERTIFICATE_AGE_CHECK', 'LOW', all.filter((f) => f.reasonForNonComplianceCode === 'CERTIFICATE_PAST_AGE_THRESHOLD'), now);
    await storeFindings(tx, task, 'DEVICE_CERTIFICATE_EXPIRING_CHECK', 'MEDIUM', all.filter((f) => f.reasonForNonComplianceCode !== 'CERTIFICATE_PAST_AGE_THRESHOLD'), now);
    return id;
  });
  await store.close();
  log(`${N} findings stored (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  return taskId;
}

/** The page's address after following "Next page" `hops` times from `start`. */
async function pageAfter(url, start, hops) {
  let path = start;
  for (let i = 0; i < hops; i++) {
    const text = await (await fetch(url + path)).text();
    const next = /<a href="([^"]+)">Next page<\/a>/.exec(text);
    if (!next) throw new Error(`no Next page after ${i} hops from ${start}`);
    path = next[1].replaceAll('&amp;', '&');
  }
  return path;
}

/** The API's nextToken after `hops` pages of 100. */
async function tokenAfter(iot, taskId, hops, checkName) {
  let nextToken;
  for (let i = 0; i < hops; i++) nextToken = (await iot.send(new ListAuditFindingsCommand({ taskId, checkName, maxResults: 100, nextToken }))).nextToken;
  return nextToken;
}

async function timeIt(fn) {
  const times = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { p50: round2(percentile(times, 50)), p95: round2(percentile(times, 95)) };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'ddlocal-bench-'));
  const file = join(dir, 'ddlocal.db');
  let server;
  let browser;
  try {
    const taskId = await populate(file);
    server = await startServer({ file });
    const base = `/ui/${ACCOUNT}/${REGION}/audits/${taskId}`;
    const cases = [
      { name: 'first page', path: base, hops: 0 },
      { name: '10th page', path: base, hops: 9 },
      { name: '500th page', path: base, hops: 499 },
      { name: 'first page, one check', path: `${base}?checkName=DEVICE_CERTIFICATE_EXPIRING_CHECK`, hops: 0, checkName: 'DEVICE_CERTIFICATE_EXPIRING_CHECK' },
    ];
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
    const results = [];
    for (const c of cases) {
      const path = await pageAfter(server.url, c.path, c.hops);
      const token = await tokenAfter(server.iot, taskId, c.hops, c.checkName);
      const html = await timeIt(async () => {
        const res = await fetch(server.url + path);
        if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
        await res.text();
      });
      const api = await timeIt(() => server.iot.send(new ListAuditFindingsCommand({ taskId, checkName: c.checkName, maxResults: 100, nextToken: token })));
      const paints = [];
      for (let i = 0; i < Math.min(SAMPLES, 10); i++) {
        const page = await browser.newPage();
        await page.goto(server.url + path);
        paints.push(await page.evaluate(() => new Promise((resolve) => new PerformanceObserver((list) => resolve(list.getEntries()[0].startTime)).observe({ type: 'paint', buffered: true }))));
        await page.close();
      }
      paints.sort((a, b) => a - b);
      const row = { page: c.name, htmlP50Ms: html.p50, htmlP95Ms: html.p95, apiP50Ms: api.p50, apiP95Ms: api.p95, firstContentfulPaintP50Ms: round2(percentile(paints, 50)), htmlVsApi: round2(html.p50 / api.p50) };
      results.push(row);
      log(JSON.stringify(row));
    }
    const report = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg().map(round2), node: process.version },
      findings: N,
      samples: SAMPLES,
      results,
    };
    console.log(JSON.stringify(report, null, 2));
    console.table(results);
    if (opts.json) writeFileSync(opts.json, JSON.stringify(report, null, 2));
  } finally {
    await browser?.close();
    if (server) await stopProcess(server.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
