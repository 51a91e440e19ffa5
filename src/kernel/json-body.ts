// The one JSON body reader of ddlocal's own endpoints (/_ddlocal/…). Their bodies are stored and echoed back, walked
// by the audit and turned into JSON again with JSON.stringify, which recurses once per level; so on top of the 1 MiB
// size limit (applied while the body is read) the nesting depth is checked on the raw text, in one linear pass, before
// JSON.parse. The AWS IoT paths read their bodies in request.ts instead: everything there walks the body along the
// model's shapes (at most 10 levels deep), so deeper bodies simply fail validation.
import { invalidRequest } from './errors.js';
import { jsonTextDepth, MAX_NESTING_DEPTH, tooDeepText } from './nesting.js';

export interface JsonBodyOptions {
  /** The value of an empty body; without it an empty body is refused. */
  whenEmpty?: unknown;
  /** The message for a body that is not JSON (or is empty without `whenEmpty`). */
  notJson?: string;
}

/**
 * JSON text from a user (a body, or a document inside one) parsed after the depth check. `what` starts the messages:
 * "The request body", "Role r1 policies [0]".
 */
export function parseJsonText(text: string, what: string, notJson = `${what} is not valid JSON`): unknown {
  const depth = jsonTextDepth(text);
  if (depth > MAX_NESTING_DEPTH) throw invalidRequest(`${what} ${tooDeepText(depth)}`);
  try {
    return JSON.parse(text);
  } catch {
    throw invalidRequest(notJson);
  }
}

/** The parsed body of a /_ddlocal/ request: any JSON value. */
export function readJsonBody(body: Buffer, options: JsonBodyOptions = {}): unknown {
  if (body.length === 0) {
    if (Object.hasOwn(options, 'whenEmpty')) return options.whenEmpty;
    throw invalidRequest(options.notJson ?? 'The request body is empty; send JSON');
  }
  return parseJsonText(body.toString('utf8'), 'The request body', options.notJson);
}

/** The parsed body of a /_ddlocal/ request that must be a JSON object; an empty body is `{}`. */
export function readJsonObjectBody(body: Buffer): Record<string, unknown> {
  const parsed = readJsonBody(body, { whenEmpty: {} });
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalidRequest('The request body must be a JSON object');
  return parsed as Record<string, unknown>;
}
