// Regression: an audit of large but ordinary IAM roles must not hold the event loop. The role-alias check compares
// every IoT action with every statement of each role (hundreds × thousands), and used to do it in one synchronous
// stretch per check: five role aliases whose roles have 4,000 statements each kept /_ddlocal/health unanswered for
// seconds. The analysis now lets the event loop turn between actions. The server runs as a child process, so this
// test's own event loop stays free to time the health probes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateRoleAliasCommand,
  DescribeAuditTaskCommand,
  StartOnDemandAuditTaskCommand,
  UpdateAccountAuditConfigurationCommand,
} from '@aws-sdk/client-iot';
import { iotClient } from './helpers/server.js';
import { startChildServer } from './helpers/responsiveness.js';

const ACCOUNT = '123456789012';
const ALIASES = 5;
const STATEMENTS = 4_000;
/** The acceptance bar of the hostile-request test: every health poll answers within a second. */
const POLL_LIMIT_MS = 1_000;

test(`auditing ${ALIASES} role aliases whose roles have ${STATEMENTS} statements each keeps health answering within 1 s`, { timeout: 300_000 }, async (t) => {
  const server = await startChildServer('sqlite');
  const iot = iotClient(server.url, ACCOUNT);
  try {
    const authorization = `AWS4-HMAC-SHA256 Credential=${ACCOUNT}/20300101/us-east-1/iot/aws4_request, SignedHeaders=host, Signature=x`;
    // Patterns of IoT actions that match none of them, so every action is compared with every statement.
    const Statement = Array.from({ length: STATEMENTS }, (_, i) => ({ Effect: 'Allow', Action: `iot:*zq${i}*`, Resource: '*' }));
    for (let a = 0; a < ALIASES; a++) {
      const res = await fetch(`${server.url}/_ddlocal/iam/roles/big-${a}`, {
        method: 'PUT',
        headers: { authorization },
        body: JSON.stringify({ policies: [{ Version: '2012-10-17', Statement }] }),
      });
      assert.equal(res.status, 200, await res.text());
      await iot.send(new CreateRoleAliasCommand({ roleAlias: `alias-${a}`, roleArn: `arn:aws:iam::${ACCOUNT}:role/big-${a}` }));
    }
    await iot.send(
      new UpdateAccountAuditConfigurationCommand({
        roleArn: `arn:aws:iam::${ACCOUNT}:role/audit`,
        auditCheckConfigurations: { IOT_ROLE_ALIAS_OVERLY_PERMISSIVE_CHECK: { enabled: true } },
      }),
    );
    const { taskId } = await iot.send(new StartOnDemandAuditTaskCommand({ targetCheckNames: ['IOT_ROLE_ALIAS_OVERLY_PERMISSIVE_CHECK'] }));

    // The poller runs on its own, so a health request is never queued behind this test's other requests.
    let worst = 0;
    let auditing = true;
    const poller = (async () => {
      while (auditing) {
        const started = Date.now();
        const res = await fetch(`${server.url}/_ddlocal/health`, { signal: AbortSignal.timeout(30_000) });
        await res.text();
        worst = Math.max(worst, Date.now() - started);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    try {
      for (const deadline = Date.now() + 240_000; ; await new Promise((r) => setTimeout(r, 100))) {
        const { taskStatus } = await iot.send(new DescribeAuditTaskCommand({ taskId }));
        if (taskStatus !== 'IN_PROGRESS') {
          assert.equal(taskStatus, 'COMPLETED');
          break;
        }
        assert.ok(Date.now() < deadline, 'the audit did not end within 240 s');
      }
    } finally {
      auditing = false;
      await poller;
    }
    t.diagnostic(`slowest health answer during the audit: ${worst} ms`);
    assert.ok(worst < POLL_LIMIT_MS, `GET /_ddlocal/health took ${worst} ms while the audit ran`);
  } finally {
    iot.destroy();
    await server.close();
  }
});
