// ddlocal's fleet endpoints (docs/fleet-format.md): POST /_ddlocal/fleet loads a fleet document into the caller's
// account and region, GET /_ddlocal/fleet writes that registry back as one. Each runs in ONE store transaction:
// an import that fails at any entry leaves the registry exactly as it was, and an export is one consistent snapshot.
import type { ExtensionRoute } from '../kernel/extension-route.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../kernel/clock.js';
import { invalidRequest } from '../kernel/errors.js';
import { readJsonObjectBody } from '../kernel/json-body.js';
import type { RequestContext } from '../registry/context.js';
import { checkFleetDocument } from './fleet-document.js';
import { importFleet, type OnExisting } from './import-fleet.js';
import { exportFleet } from './export-fleet.js';

const ON_EXISTING: readonly OnExisting[] = ['fail', 'skip'];

/** The largest fleet document POST /_ddlocal/fleet accepts (docs/fleet-format.md). */
export const FLEET_MAX_BODY_BYTES = 64 * 1024 * 1024;

export function fleetRoutes(store: Store, clock: Clock): ExtensionRoute[] {
  return [
    {
      method: 'POST',
      path: '/_ddlocal/fleet',
      action: 'ddlocal:ImportFleet',
      // A fleet of 10,000 things with their certificates is ~9 MB of JSON; the 1 MiB of other requests would cap an
      // import at a few hundred devices.
      maxBodyBytes: FLEET_MAX_BODY_BYTES,
      handler: async ({ body, caller, requestId }) => {
        const request = readJsonObjectBody(body);
        for (const key of Object.keys(request))
          if (key !== 'fleet' && key !== 'onExisting') throw invalidRequest(`Unknown import option ${key}; send {"fleet": {…}, "onExisting": "fail" | "skip"}`);
        const onExisting = (request.onExisting ?? 'fail') as OnExisting;
        if (!ON_EXISTING.includes(onExisting)) throw invalidRequest(`onExisting must be fail or skip, not ${JSON.stringify(request.onExisting)}`);
        if (request.fleet === undefined) throw invalidRequest('The request has no fleet document; send {"fleet": {…}}');
        // Checked whole before anything is written: a misspelt field anywhere fails fast.
        const fleet = checkFleetDocument(request.fleet);
        const summary = await store.transaction((db) => {
          const ctx: RequestContext = { ...caller, requestId, db, clock, now: clock.now() };
          return importFleet(ctx, fleet, onExisting);
        });
        return { body: summary };
      },
    },
    {
      method: 'GET',
      path: '/_ddlocal/fleet',
      action: 'ddlocal:ExportFleet',
      handler: async ({ caller, requestId }) => {
        const fleet = await store.transaction((db) => exportFleet({ ...caller, requestId, db, clock, now: clock.now() }));
        return { body: fleet };
      },
    },
  ];
}
