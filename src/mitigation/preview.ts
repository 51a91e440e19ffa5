// The preview extension (docs/decisions.md#m31): what StartAuditMitigationActionsTask would do with this body,
// without doing it. Validation and selection are Start's own functions (validation steps 1 and 3–7; not idempotency,
// not the quota). Outcomes are predicted by running each finding's real action implementations, in mapping order,
// inside a transaction that is always rolled back — so a prediction is exactly what the engine would do now, and
// nothing (registry change, outbox row, task row) survives the request.
import type { Transaction } from 'kysely';
import type { Database } from '../store/schema.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../kernel/clock.js';
import type { ExtensionRequest, ExtensionRoute } from '../kernel/extension-route.js';
import type { RequestContext } from '../registry/context.js';
import { shape, type Shape } from '../model/model.js';
import { validateInput } from '../model/validate.js';
import { readJsonObjectBody } from '../kernel/json-body.js';
import { decodeToken, pageOf } from '../kernel/pagination.js';
import {
  canonicalJson,
  selectMitigationFindings,
  suppressedMessage,
  validateMitigationRequest,
  type SelectedFinding,
  type Target,
} from './api/task-start.js';
import type { ActionDefinition, ActionOutcome, FindingToMitigate } from './action.js';
import { ACTION_IMPLEMENTATIONS } from './actions/index.js';
import { loadFinding } from './engine/engine.js';

export const PREVIEW_PATH = '/_ddlocal/audit/mitigationactions/preview';
const OPERATION = 'PreviewAuditMitigationActionsTask';
const DEFAULT_MAX_RESULTS = 100;

/**
 * The body's shape: StartAuditMitigationActionsTask's input without its URI member (taskId), with the token optional
 * (it is ignored), plus paging. The model has no shape of its own for a 1–1000 page size, so maxResults borrows
 * TopicRuleDestinationMaxResults (integer, 1–1000); the check below keeps that borrowing honest.
 */
function previewShape(): Shape {
  const start = shape('StartAuditMitigationActionsTaskRequest');
  const members = Object.fromEntries(Object.entries(start.members ?? {}).filter(([, ref]) => ref.location === undefined));
  const pageSize = shape('TopicRuleDestinationMaxResults');
  if (pageSize.type !== 'integer' || pageSize.min !== 1 || pageSize.max !== 1000)
    throw new Error('TopicRuleDestinationMaxResults is no longer an integer 1–1000; pick another shape for maxResults');
  return {
    type: 'structure',
    required: (start.required ?? []).filter((name) => Object.hasOwn(members, name) && name !== 'clientRequestToken'),
    members: { ...members, maxResults: { shape: 'TopicRuleDestinationMaxResults' }, nextToken: { shape: 'NextToken' } },
  };
}

const PREVIEW_SHAPE = previewShape();

export type PredictedOutcome = 'WOULD_CHANGE' | 'NO_CHANGE' | 'WOULD_FAIL' | 'SKIPPED';

interface Prediction {
  outcome: PredictedOutcome;
  detail?: string;
}

interface PlannedExecution extends Prediction {
  findingId: string;
  checkName: string;
  actionName: string;
  actionType: string;
  resource: Record<string, unknown>;
}

/** One (finding, action) pair of the plan, in the engine's order: findings by (time, id), actions by position. */
interface PlanItem {
  finding: SelectedFinding;
  position: number;
}

const planKey = (item: PlanItem) => [item.finding.findingTime, item.finding.findingId, item.position];

function afterKey(item: PlanItem, key: unknown[]): boolean {
  const [time, id, position] = key as [number, string, number];
  const f = item.finding;
  if (f.findingTime !== time) return f.findingTime > time;
  if (f.findingId !== id) return f.findingId > id;
  return item.position > position;
}

// ---------------------------------------------------------------------------------------------------------------
// Describing a change from the undo record the action returned

/** What an applied action changed, from its undo record (its type's preview rule); undefined when it changed nothing. */
function changeDetail(action: ActionDefinition, undo: unknown): string | undefined {
  if (undo === undefined || undo === null) return undefined;
  const rule = ACTION_IMPLEMENTATIONS.get(action.actionType)?.preview;
  return rule && 'describeChange' in rule ? rule.describeChange(undo, action) : undefined;
}

function predictionOf(action: ActionDefinition, outcome: ActionOutcome): Prediction {
  switch (outcome.status) {
    case 'FAILED':
      return { outcome: 'WOULD_FAIL', detail: outcome.message };
    case 'IN_PROGRESS':
      return { outcome: 'WOULD_CHANGE', detail: 'handed to the outbox' };
    case 'COMPLETED': {
      const detail = changeDetail(action, outcome.undo);
      return detail === undefined ? { outcome: 'NO_CHANGE', ...(outcome.message ? { detail: outcome.message } : {}) } : { outcome: 'WOULD_CHANGE', detail };
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Predicting one finding

/** Thrown to roll the simulation's transaction back once its results are collected. */
class Rollback extends Error {}

const skippedAfter = (failedAction: string): Prediction => ({
  outcome: 'SKIPPED',
  detail: `Skipped because action ${failedAction} would fail for this finding`,
});

/**
 * Predicts every action of a finding the task would act on, as the engine would run them now: in mapping order, each
 * seeing the previous one's changes, the rest SKIPPED after a failure (docs/decisions.md#m7). Types whose preview
 * rule says `withoutApplying` (SNS: its action only writes an outbox row, and nothing must reach the outbox) are not
 * simulated.
 */
async function simulate(store: Store, clock: Clock, scope: { accountId: string; region: string }, finding: FindingToMitigate, actions: ActionDefinition[]) {
  let predictions: Prediction[] = [];
  const run = async (tx: Transaction<Database>) => {
    predictions = []; // the store may run this again after a serialization conflict
    let failed: string | undefined;
    for (const action of actions) {
      const impl = ACTION_IMPLEMENTATIONS.get(action.actionType);
      if (failed !== undefined) predictions.push(skippedAfter(failed));
      else if (!impl) throw new Error(`no implementation for action type ${action.actionType}`);
      else if ('withoutApplying' in impl.preview) predictions.push({ outcome: 'WOULD_CHANGE', detail: impl.preview.withoutApplying(action) });
      else {
        const ctx = { db: tx, ...scope, now: clock.now(), clock, taskId: 'preview', finding, action };
        const prediction = predictionOf(action, await impl.apply(ctx));
        predictions.push(prediction);
        if (prediction.outcome === 'WOULD_FAIL') failed = action.name;
      }
    }
    throw new Rollback();
  };
  try {
    await store.transaction(run);
  } catch (err) {
    if (!(err instanceof Rollback)) {
      // An action that throws is a ddlocal defect; the engine records it as a failed execution, and so does this.
      const at = predictions.length;
      predictions.push({ outcome: 'WOULD_FAIL', detail: `ddlocal could not apply ${actions[at]?.name}: ${(err as Error).message}` });
      for (let i = at + 1; i < actions.length; i++) predictions.push(skippedAfter(actions[at]!.name));
    }
  }
  return predictions;
}

function dispositionPredictions(f: SelectedFinding): Prediction[] | undefined {
  if (f.disposition === 'FILTERED')
    return f.mapped.actions.map(() => ({
      outcome: 'SKIPPED',
      detail: `Skipped because finding ${f.findingId} is excluded by target.auditCheckToReasonCodeFilter`,
    }));
  if (f.disposition === 'SUPPRESSED') return f.mapped.actions.map(() => ({ outcome: 'SKIPPED', detail: suppressedMessage(f.findingId) }));
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// The request

interface PreviewBody {
  target: Target;
  auditCheckToActionsMapping: Record<string, string[]>;
  maxResults?: number;
  nextToken?: string;
}

/**
 * Validation step 1 (docs/decisions.md#m25): the body against the model's StartAuditMitigationActionsTask input, all
 * violations together.
 */
function parsePreviewBody(body: Buffer): PreviewBody {
  const raw = readJsonObjectBody(body);
  return validateInput(OPERATION + 'Request', PREVIEW_SHAPE, raw) as unknown as PreviewBody;
}

function statisticsOf(mapping: Record<string, string[]>, selected: SelectedFinding[]) {
  // Every mapped check appears, zeros included (docs/decisions.md#m5); only what is known before running is counted.
  const stats: Record<string, { totalFindingsCount: number; skippedFindingsCount: number }> = {};
  for (const name of Object.keys(mapping)) stats[name] = { totalFindingsCount: 0, skippedFindingsCount: 0 };
  for (const f of selected) {
    const s = stats[f.mapped.callerName]!;
    s.totalFindingsCount++;
    if (f.disposition !== 'ACT') s.skippedFindingsCount++;
  }
  return stats;
}

async function previewMitigationTask(store: Store, clock: Clock, req: ExtensionRequest) {
  const body = parsePreviewBody(req.body);
  const { target, auditCheckToActionsMapping: mapping } = body;
  const scope = { accountId: req.caller.accountId, region: req.caller.region };
  const filters = canonicalJson({ target, auditCheckToActionsMapping: mapping });
  const after = body.nextToken !== undefined ? decodeToken(OPERATION, filters, body.nextToken) : undefined;
  const pageSize = body.maxResults ?? DEFAULT_MAX_RESULTS;

  // Validation and selection only read; the transaction commits nothing.
  const selected = await store.transaction(async (db) => {
    const ctx: RequestContext = { ...scope, requestId: req.requestId, db, clock, now: clock.now() };
    const { checks } = await validateMitigationRequest(ctx, target, mapping);
    return selectMitigationFindings(ctx, target, checks);
  });
  const plan: PlanItem[] = selected.flatMap((finding) => finding.mapped.actions.map((_, position) => ({ finding, position })));
  const remaining = after === undefined ? plan : plan.filter((item) => afterKey(item, after));
  const { items, next } = pageOf(remaining.slice(0, pageSize + 1), pageSize, OPERATION, filters, planKey);

  const plannedExecutions: PlannedExecution[] = [];
  // Per finding, once: a page may hold only part of a finding's actions, but each prediction needs the earlier ones.
  const predicted = new Map<string, { finding: FindingToMitigate; predictions: Prediction[] } | null>();
  for (const item of items) {
    const f = item.finding;
    let entry = predicted.get(f.findingId);
    if (entry === undefined) {
      const key = { account_id: scope.accountId, region: scope.region, task_id: '', finding_id: f.findingId };
      const finding = await store.transaction((db) => loadFinding(db, key));
      entry = finding ? { finding, predictions: dispositionPredictions(f) ?? (await simulate(store, clock, scope, finding, f.mapped.actions)) } : null;
      predicted.set(f.findingId, entry);
    }
    if (entry === null) continue; // purged since the selection
    const action = f.mapped.actions[item.position]!;
    plannedExecutions.push({
      findingId: f.findingId,
      checkName: f.checkName,
      actionName: action.name,
      actionType: action.actionType,
      resource: entry.finding.nonCompliantResource.resourceIdentifier,
      ...entry.predictions[item.position]!,
    });
  }
  return {
    taskStatistics: statisticsOf(mapping, selected),
    plannedExecutions,
    ...(next !== undefined ? { nextToken: next } : {}),
  };
}

export function previewRoutes(store: Store, clock: Clock): ExtensionRoute[] {
  return [{ method: 'POST', path: PREVIEW_PATH, action: 'ddlocal:PreviewAuditMitigationActionsTask', handler: async (req) => ({ body: await previewMitigationTask(store, clock, req) }) }];
}
