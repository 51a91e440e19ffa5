// Gathers an operation's input members from the places the model binds them to — URI labels, query parameters,
// headers and the JSON body — converting text positions to the member's type. The result goes to
// validateInput, which reports everything that is wrong at once.
import { inputShape, shape as lookupShape, type Operation } from '../model/model.js';
import { invalidRequest } from '../kernel/errors.js';
import { setOwn, UnconvertibleScalar } from '../model/validate.js';
import { parseTimestampText } from '../kernel/timestamps.js';

export const MAX_BODY_BYTES = 1024 * 1024;

/** Parses a raw query string keeping "+" literal (SDKs encode spaces as %20). */
export function parseQuery(raw: string): Map<string, string[]> {
  const params = new Map<string, string[]>();
  if (!raw) return params;
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawName = eq === -1 ? part : part.slice(0, eq);
    const rawValue = eq === -1 ? '' : part.slice(eq + 1);
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(rawName);
      value = decodeURIComponent(rawValue);
    } catch {
      throw invalidRequest(`The query parameter '${rawName}' is not valid percent-encoded UTF-8`);
    }
    const list = params.get(name) ?? [];
    list.push(value);
    params.set(name, list);
  }
  return params;
}

function convertScalar(shapeName: string, text: string): unknown {
  const s = lookupShape(shapeName);
  switch (s.type) {
    case 'string':
      return text;
    case 'integer':
    case 'long':
      return /^[+-]?[0-9]+$/.test(text) ? Number(text) : new UnconvertibleScalar(text);
    case 'double':
    case 'float':
      return /^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(text) ? Number(text) : new UnconvertibleScalar(text);
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : new UnconvertibleScalar(text);
    case 'timestamp': {
      const date = parseTimestampText(text);
      return date ?? new UnconvertibleScalar(text);
    }
    default:
      return new UnconvertibleScalar(text);
  }
}

export interface RawRequest {
  labels: Record<string, string>;
  query: Map<string, string[]>;
  /** Header values by lower-case name; an array holds every occurrence (Node's `headersDistinct`). */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function parseBodyObject(body: Buffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw invalidRequest('The request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw invalidRequest('The request body must be a JSON object');
  return parsed as Record<string, unknown>;
}

/** Collects the input members; body members are checked for JSON shape, the rest is left to validateInput. */
export function gatherInput(op: Operation, req: RawRequest): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  const requestShape = inputShape(op);
  const members = requestShape.members ?? {};
  for (const [name, ref] of Object.entries(members)) {
    const where = ref.location;
    const wireName = ref.locationName ?? name;
    if (where === 'uri') {
      const v = req.labels[wireName];
      if (v !== undefined) input[name] = convertScalar(ref.shape, v);
    } else if (where === 'querystring') {
      const values = req.query.get(wireName);
      if (!values) continue;
      const memberShape = lookupShape(ref.shape);
      if (memberShape.type === 'list') input[name] = values.map((v) => convertScalar(memberShape.member!.shape, v));
      else if (values.length > 1) throw invalidRequest(`The query parameter '${wireName}' may appear only once`);
      else input[name] = convertScalar(ref.shape, values[0]!);
    } else if (where === 'header') {
      const v = req.headers[wireName.toLowerCase()];
      if (v === undefined) continue;
      // Node would join repeated headers with ", "; a principal is one value, so a repeat is a client mistake.
      if (Array.isArray(v) && v.length > 1) throw invalidRequest(`The header '${wireName}' may appear only once`);
      input[name] = convertScalar(ref.shape, Array.isArray(v) ? v[0] ?? '' : v);
    }
  }

  if (req.body.length === 0) return input;
  const parsed = parseBodyObject(req.body);
  if (requestShape.payload !== undefined) {
    // A payload member (SetLoggingOptions' loggingOptionsPayload) is the whole body, not a member inside it.
    input[requestShape.payload] = parsed;
    return input;
  }
  for (const [name, value] of Object.entries(parsed)) {
    const ref = Object.hasOwn(members, name) ? members[name] : undefined;
    if (ref && ref.location !== undefined) {
      // A member bound to the URI, query or a header has no place in the body.
      throw invalidRequest(`Member ${name} must be sent in the ${ref.location === 'uri' ? 'path' : ref.location}, not in the body`);
    }
    // Unknown members are kept so validateInput reports them by name (docs/decisions.md#w6).
    setOwn(input, name, value);
  }
  return input;
}
