// ARNs of registry resources. ARNs given as input must be in the caller's account and region
// (docs/decisions.md#w2); parseIotArn returns undefined for anything else so callers answer "not found".
import type { AccountScope } from './scope.js';

export type IotResourceType =
  | 'thing'
  | 'thingtype'
  | 'thinggroup'
  | 'cert'
  | 'cacert'
  | 'policy'
  | 'rolealias'
  | 'mitigationaction'
  | 'scheduledaudit';

export function iotArn(ctx: AccountScope, type: IotResourceType, id: string): string {
  return `arn:aws:iot:${ctx.region}:${ctx.accountId}:${type}/${id}`;
}

export interface ParsedArn {
  type: string;
  id: string;
}

/** Parses an IoT ARN of the caller's account and region; undefined when it is not one. */
export function parseIotArn(ctx: AccountScope, arn: string): ParsedArn | undefined {
  const m = /^arn:aws:iot:([^:]*):(\d{12}):([a-z]+)\/(.+)$/.exec(arn);
  if (!m || m[1] !== ctx.region || m[2] !== ctx.accountId) return undefined;
  return { type: m[3]!, id: m[4]! };
}
