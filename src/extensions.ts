// ddlocal's own endpoints under /_ddlocal/ (README "Extension endpoints"): health, reset and clock control.
// Later areas add theirs through the same ExtensionRoute table.
import { invalidRequest } from './wire/errors.js';
import type { ExtensionRoute } from './wire/http-server.js';
import type { Store } from './store/store.js';
import type { Clock } from './clock.js';
import { VERSION } from './version.js';

export function parseJsonBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
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

function clockRoutes(clock: Clock): ExtensionRoute[] {
  return [
    { method: 'GET', path: '/_ddlocal/clock', handler: async () => ({ body: clock.state() }) },
    {
      method: 'POST',
      path: '/_ddlocal/clock',
      handler: async ({ body }) => {
        const request = parseJsonBody(body);
        const keys = Object.keys(request);
        if (keys.length !== 1 || !['advanceSeconds', 'set', 'freeze', 'reset'].includes(keys[0]!))
          throw invalidRequest('The clock request must have exactly one of advanceSeconds, set, freeze or reset');
        const { advanceSeconds, set, freeze, reset } = request;
        if (advanceSeconds !== undefined) {
          if (typeof advanceSeconds !== 'number' || !Number.isFinite(advanceSeconds))
            throw invalidRequest('advanceSeconds must be a number of seconds');
          clock.advance(advanceSeconds);
        } else if (set !== undefined) {
          const t = typeof set === 'string' ? Date.parse(set) : NaN;
          if (!/^\d{4}-\d{2}-\d{2}T/.test(String(set)) || Number.isNaN(t))
            throw invalidRequest('set must be an ISO-8601 date-time such as 2030-01-01T00:00:00Z');
          clock.set(t);
        } else if (freeze !== undefined) {
          if (freeze !== true) throw invalidRequest('freeze must be true');
          clock.freeze();
        } else {
          if (reset !== true) throw invalidRequest('reset must be true');
          clock.reset();
        }
        return { body: clock.state() };
      },
    },
  ];
}

export function coreExtensionRoutes(store: Store, clock: Clock, authMode: string): ExtensionRoute[] {
  return [
    {
      method: 'GET',
      path: '/_ddlocal/health',
      handler: async () => ({ body: { status: 'ok', version: VERSION, store: store.kind, authMode } }),
    },
    {
      method: 'POST',
      path: '/_ddlocal/reset',
      handler: async ({ body }) => {
        const request = parseJsonBody(body);
        for (const key of Object.keys(request))
          if (key !== 'accountId' && key !== 'region') throw invalidRequest(`Unknown reset option ${key}; use accountId and region`);
        const { accountId, region } = request;
        if (accountId !== undefined && (typeof accountId !== 'string' || !/^\d{12}$/.test(accountId)))
          throw invalidRequest('accountId must be a 12-digit account id');
        if (region !== undefined && (typeof region !== 'string' || accountId === undefined))
          throw invalidRequest('region must be a string and needs accountId');
        await store.reset({ accountId: accountId as string | undefined, region: region as string | undefined });
        if (accountId === undefined) clock.reset();
        return { body: {} };
      },
    },
    ...clockRoutes(clock),
  ];
}
