// Logging options: GetLoggingOptions / SetLoggingOptions (V1) and GetV2LoggingOptions /
// SetV2LoggingOptions (V2). Both generations live in one `logging_options` row per account and region; V1 is
// "configured" once it has a role, V2 once `v2_options` is non-null.
//
// The read/write functions are exported because the LOGGING_DISABLED_CHECK audit check (docs/decisions.md#a39) and
// the ENABLE_IOT_LOGGING mitigation action (docs/decisions.md#m33) and its undo work on the same state.
import type { HandlerTable, RequestContext } from './context.js';
import type {
  GetLoggingOptionsInput,
  GetLoggingOptionsOutput,
  GetV2LoggingOptionsInput,
  GetV2LoggingOptionsOutput,
  SetLoggingOptionsInput,
  SetLoggingOptionsOutput,
  SetV2LoggingOptionsInput,
  SetV2LoggingOptionsOutput,
} from '../model/types.generated.js';
import { scope } from './context.js';
import { modeledError } from '../model/modeled-error.js';
import { fromJson, toJson } from '../kernel/json.js';
import { scoped } from '../store/scoped.js';

export type LogLevel = 'DEBUG' | 'INFO' | 'ERROR' | 'WARN' | 'DISABLED';

export interface V1LoggingOptions {
  roleArn: string;
  logLevel?: LogLevel;
}

export interface LogEventConfiguration {
  eventType: string;
  logLevel?: LogLevel;
  logDestination?: string;
}

export interface V2LoggingOptions {
  roleArn?: string;
  defaultLogLevel?: LogLevel;
  disableAllLogs: boolean;
  eventConfigurations?: LogEventConfiguration[];
}

/** Absent V1 levels count as ERROR when deciding whether logging is on (docs/decisions.md#a39). */
const V1_DEFAULT_LEVEL: LogLevel = 'ERROR';

/**
 * One canonical shape (fixed member order, no undefined members) so stored options compare equal exactly when
 * they mean the same thing — mitigation undo restores only if the options are still what the action wrote.
 */
export function normalizeV2(options: Partial<V2LoggingOptions>): V2LoggingOptions {
  const out: V2LoggingOptions = { disableAllLogs: options.disableAllLogs === true };
  if (options.roleArn !== undefined) out.roleArn = options.roleArn;
  if (options.defaultLogLevel !== undefined) out.defaultLogLevel = options.defaultLogLevel;
  if (options.eventConfigurations !== undefined)
    out.eventConfigurations = options.eventConfigurations.map((c) => {
      const event: LogEventConfiguration = { eventType: c.eventType };
      if (c.logLevel !== undefined) event.logLevel = c.logLevel;
      if (c.logDestination !== undefined) event.logDestination = c.logDestination;
      return event;
    });
  return out;
}

/** True when both are "not configured" or both hold the same options. */
export function sameV2Options(a: V2LoggingOptions | undefined, b: V2LoggingOptions | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return toJson(normalizeV2(a)) === toJson(normalizeV2(b));
}

async function loggingRow(ctx: RequestContext) {
  return scoped(ctx)
    .selectFrom('logging_options')
    .selectAll()
    .executeTakeFirst();
}

/** The V1 options, or undefined when SetLoggingOptions was never called in this account and region. */
export async function readV1LoggingOptions(ctx: RequestContext): Promise<V1LoggingOptions | undefined> {
  const row = await loggingRow(ctx);
  if (!row || row.v1_role_arn === null) return undefined;
  return row.v1_log_level === null ? { roleArn: row.v1_role_arn } : { roleArn: row.v1_role_arn, logLevel: row.v1_log_level as LogLevel };
}

/** The V2 options, or undefined when V2 logging is not configured. */
export async function readV2LoggingOptions(ctx: RequestContext): Promise<V2LoggingOptions | undefined> {
  const row = await loggingRow(ctx);
  if (!row || row.v2_options === null) return undefined;
  return normalizeV2(fromJson<Partial<V2LoggingOptions>>(row.v2_options, {}));
}

type LoggingColumns = { v1_role_arn?: string | null; v1_log_level?: string | null; v2_options?: string | null };

/** Creates the account's row on first write; afterwards changes only the given columns. */
async function upsertLogging(ctx: RequestContext, columns: LoggingColumns): Promise<void> {
  await ctx.db
    .insertInto('logging_options')
    .values({ ...scope(ctx), v1_role_arn: null, v1_log_level: null, v2_options: null, ...columns })
    .onConflict((oc) => oc.columns(['account_id', 'region']).doUpdateSet(columns))
    .execute();
}

export async function writeV1LoggingOptions(ctx: RequestContext, options: V1LoggingOptions): Promise<void> {
  await upsertLogging(ctx, { v1_role_arn: options.roleArn, v1_log_level: options.logLevel ?? null });
}

/** Replaces the V2 options as a whole; undefined returns V2 logging to "not configured" (used by mitigation undo). */
export async function writeV2LoggingOptions(ctx: RequestContext, options: Partial<V2LoggingOptions> | undefined): Promise<void> {
  await upsertLogging(ctx, { v2_options: options === undefined ? null : toJson(normalizeV2(options)) });
}

/** Either logging generation, configured and not disabled, counts as logging enabled (docs/decisions.md#a39). */
export function isLoggingEnabled(v1: V1LoggingOptions | undefined, v2: V2LoggingOptions | undefined): boolean {
  const v2On = v2 !== undefined && !v2.disableAllLogs && v2.defaultLogLevel !== 'DISABLED';
  const v1On = v1 !== undefined && v1.roleArn !== '' && (v1.logLevel ?? V1_DEFAULT_LEVEL) !== 'DISABLED';
  return v2On || v1On;
}

/** What LOGGING_DISABLED_CHECK evaluates for the request's account and region. */
export async function loggingEnabled(ctx: RequestContext): Promise<boolean> {
  return isLoggingEnabled(await readV1LoggingOptions(ctx), await readV2LoggingOptions(ctx));
}

/**
 * The ENABLE_IOT_LOGGING mitigation action (docs/decisions.md#m33): sets the V2 role and default level, turns
 * disableAllLogs off and keeps the event configurations. Returns the options before and after so the caller can
 * record them for undo.
 */
export async function enableIotLogging(
  ctx: RequestContext,
  roleArn: string,
  logLevel: LogLevel,
): Promise<{ before: V2LoggingOptions | undefined; after: V2LoggingOptions }> {
  const before = await readV2LoggingOptions(ctx);
  const after = normalizeV2({ ...before, roleArn, defaultLogLevel: logLevel, disableAllLogs: false });
  await writeV2LoggingOptions(ctx, after);
  return { before, after };
}

async function getLoggingOptions(
  _input: GetLoggingOptionsInput,
  ctx: RequestContext,
): Promise<GetLoggingOptionsOutput> {
  // Never configured → {}: the model has no "not configured" error for V1.
  return { ...(await readV1LoggingOptions(ctx)) };
}

async function setLoggingOptions(input: SetLoggingOptionsInput, ctx: RequestContext): Promise<SetLoggingOptionsOutput> {
  const payload = input.loggingOptionsPayload;
  await writeV1LoggingOptions(ctx, { roleArn: payload.roleArn, logLevel: payload.logLevel });
  return {};
}

async function getV2LoggingOptions(
  _input: GetV2LoggingOptionsInput,
  ctx: RequestContext,
): Promise<GetV2LoggingOptionsOutput> {
  // `verbose` asks AWS for its catalogue of event types; ddlocal has none, so it returns the stored options either way.
  const options = await readV2LoggingOptions(ctx);
  if (!options)
    throw modeledError(
      'NotConfiguredException',
      `V2 logging options are not configured in account ${ctx.accountId}, region ${ctx.region}; call SetV2LoggingOptions first`,
    );
  return { ...options };
}

async function setV2LoggingOptions(
  input: SetV2LoggingOptionsInput,
  ctx: RequestContext,
): Promise<SetV2LoggingOptionsOutput> {
  // A whole replacement: members absent from this request become unset.
  await writeV2LoggingOptions(ctx, {
    roleArn: input.roleArn,
    defaultLogLevel: input.defaultLogLevel,
    disableAllLogs: input.disableAllLogs,
    eventConfigurations: input.eventConfigurations,
  });
  return {};
}

export const loggingHandlers = {
  GetLoggingOptions: getLoggingOptions,
  SetLoggingOptions: setLoggingOptions,
  GetV2LoggingOptions: getV2LoggingOptions,
  SetV2LoggingOptions: setV2LoggingOptions,
} satisfies HandlerTable;
