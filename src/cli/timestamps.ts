// Timestamp members, once validated (args/validate.ts), become Dates for the SDK: any form the aws CLI
// accepts (args/timestamp.ts), epoch-second numbers from --cli-input-*, or YAML date-times. Body members carry whole
// epoch seconds, as aws sends them; query-string members keep their fraction.
import { MODEL, type MemberRef } from '../model/model.js';
import { parseCliTimestamp } from './args/timestamp.js';

function toDate(value: unknown): Date | undefined {
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value * 1000);
  if (typeof value === 'string') return parseCliTimestamp(value);
  return undefined;
}

export function convertTimestamps(operation: string, params: Record<string, unknown>): Record<string, unknown> {
  const op = MODEL.operations[operation];
  if (!op?.input) return params;
  const walk = (value: unknown, ref: MemberRef, inBody: boolean): unknown => {
    const s = MODEL.shapes[ref.shape];
    if (!s || value === undefined || value === null) return value;
    if (s.type === 'timestamp') {
      const date = toDate(value);
      if (!date) return value;
      return inBody ? new Date(Math.floor(date.getTime() / 1000) * 1000) : date;
    }
    if (s.type === 'structure' && typeof value === 'object' && !Array.isArray(value)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        const member = s.members?.[k];
        out[k] = member ? walk(v, member, inBody && member.location === undefined) : v;
      }
      return out;
    }
    if (s.type === 'list' && Array.isArray(value) && s.member) return value.map((v) => walk(v, s.member!, inBody));
    if (s.type === 'map' && typeof value === 'object' && !Array.isArray(value) && s.value) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = walk(v, s.value, inBody);
      return out;
    }
    return value;
  };
  return walk(params, op.input, true) as Record<string, unknown>;
}
