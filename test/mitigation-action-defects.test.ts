// An action that throws — a defect in ddlocal, not a state of the resource — FAILS its execution visibly instead of
// being retried for ever, and costs nothing else: the other executions of its batch still commit, exactly once. The
// engine runs a batch through the action type's applyBatch; when that throws it runs the batch again one execution at
// a time to find the one that throws (docs/decisions.md#m36). The defect is injected by wrapping the action module of
// UPDATE_DEVICE_CERTIFICATE for one certificate; everything else is the real server on both stores.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeCertificateCommand, ListAuditMitigationActionsExecutionsCommand } from '@aws-sdk/client-iot';
import { forEachStore } from './helpers/server.js';
import { AGE_CHECK, auditFindings, makeOldCertificates, registerCertificates, startMitigation, waitForEnd } from './helpers/mitigation-load.js';
import { ACTION_IMPLEMENTATIONS } from '../src/mitigation/actions/index.js';
import type { ActionContext } from '../src/mitigation/action.js';

const CERTIFICATES = 6;

/** Makes UPDATE_DEVICE_CERTIFICATE throw whenever it is asked to act on `certificateId`, through apply or applyBatch. */
function throwFor(certificateId: string): () => void {
  const module = ACTION_IMPLEMENTATIONS.get('UPDATE_DEVICE_CERTIFICATE')!;
  const { apply, applyBatch } = module;
  const names = (ctx: ActionContext) => ctx.finding.nonCompliantResource.resourceIdentifier.deviceCertificateId === certificateId;
  module.apply = (ctx) => (names(ctx) ? Promise.reject(new Error('injected defect')) : apply.call(module, ctx));
  module.applyBatch = (ctxs) => (ctxs.some(names) ? Promise.reject(new Error('injected defect')) : applyBatch!.call(module, ctxs));
  return () => Object.assign(module, { apply, applyBatch });
}

forEachStore('a mitigation action that throws', (suite) => {
  test('its execution FAILS naming the error; the rest of its batch commits once; the task ends FAILED', async () => {
    const iot = suite.iot;
    const certificates = await makeOldCertificates(CERTIFICATES);
    const ids = await registerCertificates(iot, certificates);
    const victim = ids[2]!;
    const restore = throwFor(victim);
    try {
      const { auditTaskId } = await startMitigation(iot, [AGE_CHECK], 'defect-task');
      const task = await waitForEnd(iot, 'defect-task', 60_000);
      assert.equal(task.taskStatus, 'FAILED');
      assert.deepEqual(
        { total: task.taskStatistics?.[AGE_CHECK]?.totalFindingsCount, failed: task.taskStatistics?.[AGE_CHECK]?.failedFindingsCount },
        { total: CERTIFICATES, failed: 1 },
      );
      for (const finding of await auditFindings(iot, auditTaskId)) {
        const id = finding.nonCompliantResource?.resourceIdentifier?.deviceCertificateId;
        const { actionsExecutions } = await iot.send(new ListAuditMitigationActionsExecutionsCommand({ taskId: 'defect-task', findingId: finding.findingId }));
        assert.equal(actionsExecutions?.length, 1, id);
        const execution = actionsExecutions![0]!;
        const { certificateDescription } = await iot.send(new DescribeCertificateCommand({ certificateId: id }));
        if (id === victim) {
          assert.equal(execution.status, 'FAILED');
          assert.equal(execution.errorCode, 'INVALID_STATE_OF_RESOURCE');
          assert.equal(execution.message, 'ddlocal could not apply Deactivate: injected defect');
          assert.equal(certificateDescription?.status, 'ACTIVE', 'nothing of the failed execution was applied');
        } else {
          assert.equal(execution.status, 'COMPLETED', `${id}: ${execution.message}`);
          assert.match(execution.message ?? '', /deactivated \(was ACTIVE\)/, 'applied once: found ACTIVE');
          assert.equal(certificateDescription?.status, 'INACTIVE');
          assert.equal(certificateDescription?.customerVersion, 2, 'one status change, one new version');
        }
      }
    } finally {
      restore();
    }
  });
});
