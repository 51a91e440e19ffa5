// ENABLE_IOT_LOGGING (docs/decisions.md#m33): sets the account's V2 logging role and default level and
// turns disableAllLogs off, keeping the event configurations — the logging module's enableIotLogging, which works on
// the state GetV2LoggingOptions/SetV2LoggingOptions and LOGGING_DISABLED_CHECK use.
import {
  enableIotLogging,
  readV2LoggingOptions,
  sameV2Options,
  writeV2LoggingOptions,
  type LogLevel,
  type V2LoggingOptions,
} from '../../registry/logging.js';
import type { RequestContext } from '../../registry/context.js';
import { invalidRequest } from '../../kernel/errors.js';
import { defineActionType, type ActionContext, type ActionOutcome } from '../action.js';
import { checkRoleArn, requestContext } from './common.js';
import { changedPart, restoredPart, type PartResult } from './restore.js';

/** Undo record: the V2 options before (null: V2 logging was not configured) and the options this execution wrote. */
export interface LoggingUndo {
  previous: V2LoggingOptions | null;
  applied: V2LoggingOptions;
}

interface Params {
  roleArnForLogging: string;
  logLevel: LogLevel;
}

function checkParams(params: Params, prefix: string): void {
  // DISABLED is in the LogLevel enum the shape shares with logging options, but enabling logging at DISABLED is a
  // contradiction.
  if (params.logLevel === 'DISABLED')
    throw invalidRequest(`${prefix}: logLevel DISABLED is not allowed for ENABLE_IOT_LOGGING; use DEBUG, INFO, ERROR or WARN`);
  checkRoleArn(`${prefix}: roleArnForLogging`, params.roleArnForLogging);
}

async function apply(ctx: ActionContext): Promise<ActionOutcome<LoggingUndo>> {
  const params = ctx.action.actionParams.enableIoTLoggingParams as Params;
  const { before, after } = await enableIotLogging(requestContext(ctx), params.roleArnForLogging, params.logLevel);
  const undo: LoggingUndo = { previous: before ?? null, applied: after };
  const was = before === undefined ? 'V2 logging was not configured' : `was ${describe(before)}`;
  return {
    status: 'COMPLETED',
    message: `V2 logging in account ${ctx.accountId}, region ${ctx.region} enabled with default level ${params.logLevel} and role ${params.roleArnForLogging} (${was})`,
    undo,
  };
}

/** V2 logging options in a few words; null is "V2 logging is not configured". */
function describe(options: V2LoggingOptions | null): string {
  if (options === null) return 'not configured';
  if (options.disableAllLogs) return 'all logs disabled';
  return `default level ${options.defaultLogLevel ?? 'unset'}, role ${options.roleArn ?? 'unset'}`;
}

function describeChange(undo: LoggingUndo): string | undefined {
  if (sameV2Options(undo.previous ?? undefined, undo.applied)) return undefined;
  return `V2 logging ${describe(undo.previous)} -> ${describe(undo.applied)}`;
}

async function restorePreviousOptions(rc: RequestContext, undo: LoggingUndo): Promise<PartResult[]> {
  if (sameV2Options(undo.previous ?? undefined, undo.applied)) return [];
  const current = await readV2LoggingOptions(rc);
  if (!sameV2Options(current, undo.applied))
    return [changedPart(`V2 logging options of account ${rc.accountId}, region ${rc.region} were changed after the action`)];
  await writeV2LoggingOptions(rc, undo.previous ?? undefined);
  return [
    restoredPart(
      undo.previous === null
        ? `V2 logging options of account ${rc.accountId}, region ${rc.region} back to not configured`
        : `V2 logging options of account ${rc.accountId}, region ${rc.region} restored`,
    ),
  ];
}

export const enableIoTLogging = defineActionType({
  type: 'ENABLE_IOT_LOGGING',
  paramsMember: 'enableIoTLoggingParams',
  appliesTo: ['LOGGING_DISABLED_CHECK'],
  permissions: [
    'iot:SetV2LoggingOptions',
    { action: 'iam:PassRole', resources: (ctx) => [(ctx.action.actionParams.enableIoTLoggingParams as Params).roleArnForLogging] },
  ],
  checkParams,
  apply,
  preview: { describeChange },
  undo: { restore: restorePreviousOptions },
});
