// Extension endpoints contributed by domain areas (e.g. GET /_ddlocal/ca from certificates).
import type { ExtensionRoute } from '../kernel/extension-route.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../kernel/clock.js';
import { issuingCa } from '../registry/issuing-ca.js';
import { auditIngestRoutes } from '../audit/ingest/ingest.js';
import { crlRoutes } from '../audit/revocation/crls.js';
import { previewRoutes } from '../mitigation/preview.js';
import { undoRoutes } from '../mitigation/undo.js';
import { fleetRoutes } from '../fleet/fleet-routes.js';

export function EXTENSION_ROUTES(store: Store, clock: Clock): ExtensionRoute[] {
  return [
    ...auditIngestRoutes(store, clock),
    ...crlRoutes(store, clock),
    ...previewRoutes(store, clock),
    ...undoRoutes(store, clock),
    ...fleetRoutes(store, clock),
    {
      // The caller's ddlocal CA certificate (docs/decisions.md#x4), created on first use like CreateKeysAndCertificate
      // would.
      method: 'GET',
      path: '/_ddlocal/ca',
      action: 'ddlocal:GetCaCertificate',
      handler: async ({ caller }) => {
        const now = clock.now();
        const ca = await store.transaction((db) => issuingCa({ db, accountId: caller.accountId, region: caller.region, now }));
        return { contentType: 'application/x-pem-file', body: ca.certificatePem };
      },
    },
  ];
}
