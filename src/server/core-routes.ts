// ddlocal's own endpoints under /_ddlocal/ (README "Extension endpoints"): health, reset and clock control.
// Later areas add theirs through the same ExtensionRoute table.
import { ApiError, invalidRequest } from '../kernel/errors.js';
import { readJsonObjectBody } from '../kernel/json-body.js';
import type { ExtensionRoute } from '../kernel/extension-route.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../kernel/clock.js';
import { VERSION } from '../kernel/version.js';
import { parseTimestampText } from '../kernel/timestamps.js';

/** The clock may point anywhere from 1970 to the end of year 9999: ISO-8601 output needs a four-digit year. */
const CLOCK_MIN_MS = 0;
const CLOCK_MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

function checkClockTarget(ms: number, what: string): void {
  if (!(ms >= CLOCK_MIN_MS && ms <= CLOCK_MAX_MS))
    throw invalidRequest(`${what} would move the clock outside 1970-01-01T00:00:00Z … 9999-12-31T23:59:59Z`);
}

/** In strict mode, what reaches beyond the caller's own account needs an admin credential (docs/decisions.md#w21). */
function requireAdmin(admin: boolean, what: string): void {
  if (!admin) throw new ApiError('AccessDeniedException', `${what} needs an admin credential (admin: true in the credentials file)`);
}

function clockRoutes(clock: Clock): ExtensionRoute[] {
  return [
    { method: 'GET', path: '/_ddlocal/clock', action: 'ddlocal:GetClock', handler: async () => ({ body: clock.state() }) },
    {
      method: 'POST',
      path: '/_ddlocal/clock',
      action: 'ddlocal:SetClock',
      handler: async ({ body, admin }) => {
        // One clock serves every account, so moving it is not a per-account action.
        requireAdmin(admin, 'Moving ddlocal\'s clock');
        const request = readJsonObjectBody(body);
        const keys = Object.keys(request);
        if (keys.length !== 1 || !['advanceSeconds', 'set', 'freeze', 'reset'].includes(keys[0]!))
          throw invalidRequest('The clock request must have exactly one of advanceSeconds, set, freeze or reset');
        const { advanceSeconds, set, freeze, reset } = request;
        if (advanceSeconds !== undefined) {
          if (typeof advanceSeconds !== 'number' || !Number.isFinite(advanceSeconds))
            throw invalidRequest('advanceSeconds must be a number of seconds');
          checkClockTarget(clock.now() + advanceSeconds * 1000, `advanceSeconds ${advanceSeconds}`);
          clock.advance(advanceSeconds);
        } else if (set !== undefined) {
          // Only the ISO-8601 forms (with Z or an offset) — not epoch numbers, not zone-less local times.
          const t = typeof set === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(set) ? parseTimestampText(set) : undefined;
          if (t === undefined)
            throw invalidRequest('set must be an ISO-8601 date-time with Z or an offset, such as 2030-01-01T00:00:00Z');
          checkClockTarget(t.getTime(), `set ${set}`);
          clock.set(t.getTime());
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
      action: 'none',
      handler: async () => ({ body: { status: 'ok', version: VERSION, store: store.kind, authMode } }),
    },
    {
      method: 'POST',
      path: '/_ddlocal/reset',
      action: 'ddlocal:Reset',
      handler: async ({ body, admin, caller }) => {
        const request = readJsonObjectBody(body);
        for (const key of Object.keys(request))
          if (key !== 'accountId' && key !== 'region') throw invalidRequest(`Unknown reset option ${key}; use accountId and region`);
        const { accountId, region } = request;
        if (accountId !== undefined && (typeof accountId !== 'string' || !/^\d{12}$/.test(accountId)))
          throw invalidRequest('accountId must be a 12-digit account id');
        if (region !== undefined && (typeof region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)))
          throw invalidRequest('region must be an AWS region name such as us-east-1');
        if (region !== undefined && accountId === undefined) throw invalidRequest('region needs accountId');
        if (accountId === undefined) requireAdmin(admin, 'A reset of every account (and the clock)');
        else if (accountId !== caller.accountId) requireAdmin(admin, `A reset of account ${accountId}, which is not the caller's account ${caller.accountId},`);
        await store.reset({ accountId: accountId as string | undefined, region: region as string | undefined });
        if (accountId === undefined) clock.reset();
        return { body: {} };
      },
    },
    ...clockRoutes(clock),
  ];
}
