// Writes an operation's output as the model describes it: members in model order, absent members
// omitted, timestamps as epoch seconds with millisecond precision (docs/decisions.md#w9), blobs as base64.
import { shape as lookupShape, type Shape } from '../model/model.js';
import { setOwn } from '../model/validate.js';

function toEpochSeconds(value: unknown): number {
  const ms = value instanceof Date ? value.getTime() : Number(value);
  return Math.round(ms) / 1000;
}

function serializeValue(s: Shape, shapeName: string, value: unknown, path: string): unknown {
  switch (s.type) {
    case 'timestamp':
      return toEpochSeconds(value);
    case 'blob':
      return Buffer.isBuffer(value) ? value.toString('base64') : value;
    case 'list': {
      const itemShape = lookupShape(s.member!.shape);
      return (value as unknown[]).map((v, i) => serializeValue(itemShape, s.member!.shape, v, `${path}[${i}]`));
    }
    case 'map': {
      const valueShape = lookupShape(s.value!.shape);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (v !== undefined && v !== null) setOwn(out, k, serializeValue(valueShape, s.value!.shape, v, `${path}.${k}`));
      }
      return out;
    }
    case 'structure':
      return serializeStructure(s, shapeName, value as Record<string, unknown>, path);
    default:
      return value;
  }
}

export function serializeStructure(
  s: Shape,
  shapeName: string,
  value: Record<string, unknown>,
  path = '',
): Record<string, unknown> {
  const members = s.members ?? {};
  for (const key of Object.keys(value)) {
    // An output member the model does not know is a ddlocal bug; failing loudly keeps responses model-exact.
    if (!Object.hasOwn(members, key)) throw new Error(`output member ${path}${key} is not in shape ${shapeName}`);
  }
  const out: Record<string, unknown> = {};
  for (const [name, ref] of Object.entries(members)) {
    const v = value[name];
    if (v === undefined || v === null || ref.location !== undefined) continue;
    out[name] = serializeValue(lookupShape(ref.shape), ref.shape, v, `${path}${name}.`);
  }
  return out;
}
