// ENABLE_IOT_LOGGING (mitigation.md §7.1–7.2, Dec M33): sets the account's V2 logging role and default level and
// turns disableAllLogs off, keeping the event configurations — the logging module's enableIotLogging, which works on
// the state GetV2LoggingOptions/SetV2LoggingOptions and LOGGING_DISABLED_CHECK use.
import { enableIotLogging, type LogLevel, type V2LoggingOptions } from '../../registry/logging.js';
import type { ActionContext, ActionOutcome, MitigationActionImplementation } from '../action.js';
import { requestContext } from './common.js';

/** Undo record: the V2 options before (null: V2 logging was not configured) and the options this execution wrote. */
export interface LoggingUndo {
  previous: V2LoggingOptions | null;
  applied: V2LoggingOptions;
}

interface Params {
  roleArnForLogging: string;
  logLevel: LogLevel;
}

async function apply(ctx: ActionContext): Promise<ActionOutcome> {
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

function describe(options: V2LoggingOptions): string {
  if (options.disableAllLogs) return 'all logs disabled';
  return `default level ${options.defaultLogLevel ?? 'unset'}, role ${options.roleArn ?? 'unset'}`;
}

export const enableIoTLogging: MitigationActionImplementation = {
  type: 'ENABLE_IOT_LOGGING',
  permissions: ['iot:SetV2LoggingOptions', 'iam:PassRole'],
  apply,
};
