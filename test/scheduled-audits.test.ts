// Scheduled audits (docs/decisions.md#a27): CRUD over HTTP with the SDK on both stores, runs driven by ddlocal's
// clock, plus direct tests of the due-instant arithmetic.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateScheduledAuditCommand,
  DeleteScheduledAuditCommand,
  DescribeAuditTaskCommand,
  DescribeScheduledAuditCommand,
  ListAuditFindingsCommand,
  ListAuditTasksCommand,
  ListScheduledAuditsCommand,
  ListTagsForResourceCommand,
  UpdateAccountAuditConfigurationCommand,
  UpdateScheduledAuditCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { forEachStore, errorOf, type TestServer } from './helpers/server.js';
import { dueInstant } from '../src/audit/engine/schedule.js';

const at = (iso: string) => Date.parse(iso);

async function assertError(p: () => Promise<unknown>, name: string, status: number, pattern?: RegExp) {
  const err = await errorOf(p);
  assert.equal(err.name, name);
  assert.equal(err.$metadata?.httpStatusCode, status);
  if (pattern) assert.match(err.message, pattern);
}

describe('scheduled audit due instants', () => {
  const created = at('2030-01-01T12:00:00Z'); // a Tuesday
  test('DAILY: first run the next midnight, then the latest midnight', () => {
    const s = { frequency: 'DAILY', day_of_month: null, day_of_week: null, created_at: created };
    assert.equal(dueInstant(s, at('2030-01-01T23:59:59Z')), undefined);
    assert.equal(dueInstant(s, at('2030-01-02T00:00:00Z')), at('2030-01-02T00:00:00Z'));
    assert.equal(dueInstant(s, at('2030-01-05T08:00:00Z')), at('2030-01-05T00:00:00Z'));
  });
  test('WEEKLY and BIWEEKLY count from the week of creation', () => {
    const weekly = { frequency: 'WEEKLY', day_of_month: null, day_of_week: 'MON', created_at: created };
    assert.equal(dueInstant(weekly, at('2030-01-07T01:00:00Z')), at('2030-01-07T00:00:00Z'));
    assert.equal(dueInstant(weekly, at('2030-01-13T01:00:00Z')), at('2030-01-07T00:00:00Z'));
    const biweekly = { ...weekly, frequency: 'BIWEEKLY', day_of_week: 'WED' };
    // Week 0 (creation week): Wed 2030-01-02 is after creation; week 1 skipped; week 2: Wed 2030-01-16.
    assert.equal(dueInstant(biweekly, at('2030-01-02T00:00:00Z')), at('2030-01-02T00:00:00Z'));
    assert.equal(dueInstant(biweekly, at('2030-01-12T00:00:00Z')), at('2030-01-02T00:00:00Z'));
    assert.equal(dueInstant(biweekly, at('2030-01-16T00:00:01Z')), at('2030-01-16T00:00:00Z'));
  });
  test('MONTHLY: 31 falls back to the last day; LAST', () => {
    const m31 = { frequency: 'MONTHLY', day_of_month: '31', day_of_week: null, created_at: created };
    assert.equal(dueInstant(m31, at('2030-02-28T00:00:00Z')), at('2030-02-28T00:00:00Z'));
    assert.equal(dueInstant(m31, at('2030-03-15T00:00:00Z')), at('2030-02-28T00:00:00Z'));
    const last = { ...m31, day_of_month: 'LAST' };
    assert.equal(dueInstant(last, at('2030-01-31T00:00:00Z')), at('2030-01-31T00:00:00Z'));
    const first = { ...m31, day_of_month: '1' };
    assert.equal(dueInstant(first, at('2030-01-20T00:00:00Z')), undefined, 'January 1st is before creation');
  });
});

forEachStore('scheduled audits', (suite) => {
  let server: TestServer;
  let iot: IoTClient;
  before(async () => {
    ({ server, iot } = suite);
    await iot.send(
      new UpdateAccountAuditConfigurationCommand({
        roleArn: 'arn:aws:iam::123456789012:role/a',
        auditCheckConfigurations: { LOGGING_DISABLED_CHECK: { enabled: true }, DEVICE_CERTIFICATE_SHARED_CHECK: { enabled: true } },
      }),
    );
  });

  test('create, describe (caller spelling), tags, update merge, validation, list, delete', async () => {
    const created = await iot.send(
      new CreateScheduledAuditCommand({
        scheduledAuditName: 'weekly-1',
        frequency: 'WEEKLY',
        dayOfWeek: 'MON',
        targetCheckNames: ['LOGGING_DISABLED_CHECK'],
        tags: [{ Key: 'team', Value: 'iot' }],
      }),
    );
    assert.equal(created.scheduledAuditArn, 'arn:aws:iot:us-east-1:123456789012:scheduledaudit/weekly-1');
    const tags = await iot.send(new ListTagsForResourceCommand({ resourceArn: created.scheduledAuditArn }));
    assert.deepEqual(tags.tags, [{ Key: 'team', Value: 'iot' }]);
    await assertError(
      () => iot.send(new CreateScheduledAuditCommand({ scheduledAuditName: 'weekly-1', frequency: 'DAILY', targetCheckNames: ['LOGGING_DISABLED_CHECK'] })),
      'ResourceAlreadyExistsException',
      409,
    );
    // Changing the frequency drops the day field that no longer fits.
    await iot.send(new UpdateScheduledAuditCommand({ scheduledAuditName: 'weekly-1', frequency: 'MONTHLY', dayOfMonth: 'LAST' }));
    const d = await iot.send(new DescribeScheduledAuditCommand({ scheduledAuditName: 'weekly-1' }));
    assert.equal(d.frequency, 'MONTHLY');
    assert.equal(d.dayOfMonth, 'LAST');
    assert.equal(d.dayOfWeek, undefined);
    assert.deepEqual(d.targetCheckNames, ['LOGGING_DISABLED_CHECK']);
    await assertError(
      () => iot.send(new UpdateScheduledAuditCommand({ scheduledAuditName: 'weekly-1', dayOfWeek: 'TUE' })),
      'InvalidRequestException',
      400,
      /dayOfWeek applies only/,
    );
    await assertError(() => iot.send(new UpdateScheduledAuditCommand({ scheduledAuditName: 'nope', frequency: 'DAILY' })), 'ResourceNotFoundException', 404);
    await iot.send(new DeleteScheduledAuditCommand({ scheduledAuditName: 'weekly-1' }));
    await assertError(() => iot.send(new DescribeScheduledAuditCommand({ scheduledAuditName: 'weekly-1' })), 'ResourceNotFoundException', 404);
    await assertError(() => iot.send(new DeleteScheduledAuditCommand({ scheduledAuditName: 'weekly-1' })), 'ResourceNotFoundException', 404);
  });

  test('create validation: day fields, checks', async () => {
    const send = (extra: Record<string, unknown>) =>
      iot.send(new CreateScheduledAuditCommand({ scheduledAuditName: 'bad', frequency: 'DAILY', targetCheckNames: ['LOGGING_DISABLED_CHECK'], ...extra }));
    await assertError(() => send({ dayOfMonth: '1' }), 'InvalidRequestException', 400, /dayOfMonth applies only/);
    await assertError(() => send({ frequency: 'MONTHLY' }), 'InvalidRequestException', 400, /needs dayOfMonth/);
    await assertError(() => send({ frequency: 'BIWEEKLY' }), 'InvalidRequestException', 400, /needs dayOfWeek/);
    await assertError(() => send({ targetCheckNames: ['CA_CERTIFICATE_EXPIRING_CHECK'] }), 'InvalidRequestException', 400, /not enabled/);
    await assertError(() => send({ targetCheckNames: ['LOGGING_DISABLED_CHECK', 'LOGGING_DISABLED_CHECK'] }), 'InvalidRequestException', 400);
  });

  test('quota of 5 and paging by name', async () => {
    for (const n of ['s1', 's2', 's3', 's4', 's5'])
      await iot.send(new CreateScheduledAuditCommand({ scheduledAuditName: n, frequency: 'DAILY', targetCheckNames: ['LOGGING_DISABLED_CHECK'] }));
    await assertError(
      () => iot.send(new CreateScheduledAuditCommand({ scheduledAuditName: 's6', frequency: 'DAILY', targetCheckNames: ['LOGGING_DISABLED_CHECK'] })),
      'LimitExceededException',
      410,
    );
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await iot.send(new ListScheduledAuditsCommand({ maxResults: 2, nextToken }));
      names.push(...page.scheduledAudits!.map((s) => s.scheduledAuditName!));
      nextToken = page.nextToken;
    } while (nextToken);
    assert.deepEqual(names, ['s1', 's2', 's3', 's4', 's5']);
    for (const n of names) await iot.send(new DeleteScheduledAuditCommand({ scheduledAuditName: n }));
  });

  test('runs at 00:00 UTC on the ddlocal clock; a clock jump gives one catch-up run', async () => {
    server.clock.set(at('2030-01-01T12:00:00Z'));
    server.clock.freeze();
    try {
      await iot.send(
        new CreateScheduledAuditCommand({
          scheduledAuditName: 'nightly',
          frequency: 'DAILY',
          targetCheckNames: ['LOGGING_DISABLED_CHECK', 'DEVICE_CERTIFICATE_SHARED_CHECK'],
        }),
      );
      const scheduledTasks = async () =>
        (
          await iot.send(
            new ListAuditTasksCommand({ startTime: new Date(at('2030-01-01T00:00:00Z')), endTime: new Date(at('2030-02-01T00:00:00Z')), taskType: 'SCHEDULED_AUDIT_TASK' }),
          )
        ).tasks!;
      await server.auditRunner.runOnce();
      assert.equal((await scheduledTasks()).length, 0, 'nothing due before midnight');
      server.clock.advance(12 * 3600 + 5);
      await server.auditRunner.runOnce();
      const first = await scheduledTasks();
      assert.equal(first.length, 1);
      const d = await iot.send(new DescribeAuditTaskCommand({ taskId: first[0]!.taskId }));
      assert.equal(d.taskStartTime!.getTime(), at('2030-01-02T00:00:00Z'));
      assert.equal(d.scheduledAuditName, 'nightly');
      assert.equal(d.taskStatus, 'COMPLETED');
      assert.equal(d.auditDetails!.LOGGING_DISABLED_CHECK!.checkRunStatus, 'COMPLETED_NON_COMPLIANT');
      // Jump three days: one catch-up run, not three.
      server.clock.advance(3 * 86_400);
      await server.auditRunner.runOnce();
      await server.auditRunner.runOnce();
      assert.equal((await scheduledTasks()).length, 2);
      // A target check disabled since is FAILED with AUDIT_CHECK_DISABLED at run time.
      // The API refuses to disable a check a schedule lists, so write the configuration as an older release could have.
      await assertError(
        () => iot.send(new UpdateAccountAuditConfigurationCommand({ auditCheckConfigurations: { DEVICE_CERTIFICATE_SHARED_CHECK: { enabled: false } } })),
        'InvalidRequestException',
        400,
        /nightly/,
      );
      await server.store.transaction((tx) =>
        tx
          .updateTable('audit_configurations')
          .set({ check_configurations: JSON.stringify({ LOGGING_DISABLED_CHECK: { enabled: true } }) })
          .where('account_id', '=', '123456789012')
          .execute(),
      );
      server.clock.advance(86_400);
      await server.auditRunner.runOnce();
      const third = (await scheduledTasks())[0]!;
      const t = await iot.send(new DescribeAuditTaskCommand({ taskId: third.taskId }));
      assert.equal(t.auditDetails!.DEVICE_CERTIFICATE_SHARED_CHECK!.checkRunStatus, 'FAILED');
      assert.equal(t.auditDetails!.DEVICE_CERTIFICATE_SHARED_CHECK!.errorCode, 'AUDIT_CHECK_DISABLED');
      assert.equal(t.taskStatus, 'COMPLETED');
    } finally {
      server.clock.reset();
    }
  });

  test("a scheduled run's connection checks read only the events since the schedule's previous run (§4.4)", async () => {
    const account = '222233334444';
    const other = server.iot(account);
    await other.send(
      new UpdateAccountAuditConfigurationCommand({
        roleArn: `arn:aws:iam::${account}:role/a`,
        auditCheckConfigurations: { CONFLICTING_CLIENT_IDS_CHECK: { enabled: true } },
      }),
    );
    // Two overlapping sessions of one client id, as lifecycle events.
    const conflict = async (clientId: string, from: number) => {
      const base = { clientId, principalIdentifier: 'a'.repeat(64), versionNumber: 0 };
      const events = [
        { ...base, sessionIdentifier: `${clientId}-1`, eventType: 'connected', timestamp: from },
        { ...base, sessionIdentifier: `${clientId}-2`, eventType: 'connected', timestamp: from + 60_000 },
        { ...base, sessionIdentifier: `${clientId}-1`, eventType: 'disconnected', timestamp: from + 3_600_000, clientInitiatedDisconnect: true },
        { ...base, sessionIdentifier: `${clientId}-2`, eventType: 'disconnected', timestamp: from + 3_600_000, clientInitiatedDisconnect: true },
      ];
      const res = await fetch(`${server.url}/_ddlocal/lifecycle-events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `AWS4-HMAC-SHA256 Credential=${account}/20300301/us-east-1/iot/aws4_request, SignedHeaders=host, Signature=x`,
        },
        body: JSON.stringify(events),
      });
      assert.equal(res.status, 200, await res.text());
    };
    const conflictingClients = async () => {
      const tasks = (
        await other.send(
          new ListAuditTasksCommand({ startTime: new Date(at('2030-03-01T00:00:00Z')), endTime: new Date(at('2030-04-01T00:00:00Z')) }),
        )
      ).tasks!;
      const { findings } = await other.send(new ListAuditFindingsCommand({ taskId: tasks[0]!.taskId }));
      return findings!.map((f) => f.nonCompliantResource!.resourceIdentifier!.clientId).sort();
    };
    server.clock.set(at('2030-03-01T12:00:00Z'));
    server.clock.freeze();
    try {
      await conflict('old-device', at('2030-02-25T08:00:00Z'));
      await other.send(new CreateScheduledAuditCommand({ scheduledAuditName: 'conn', frequency: 'DAILY', targetCheckNames: ['CONFLICTING_CLIENT_IDS_CHECK'] }));
      server.clock.set(at('2030-03-02T00:00:05Z'));
      await server.auditRunner.runOnce();
      assert.deepEqual(await conflictingClients(), ['old-device'], 'the first run uses the on-demand window of 31 days');
      await conflict('new-device', at('2030-03-02T06:00:00Z'));
      server.clock.set(at('2030-03-03T00:00:05Z'));
      await server.auditRunner.runOnce();
      assert.deepEqual(await conflictingClients(), ['new-device'], 'the second run starts at the first run');
    } finally {
      server.clock.reset();
    }
  });
});
