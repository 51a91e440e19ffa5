// Extension endpoints contributed by domain areas (e.g. GET /_ddlocal/ca from certificates).
import type { ExtensionRoute } from '../wire/http-server.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../clock.js';

export function EXTENSION_ROUTES(_store: Store, _clock: Clock): ExtensionRoute[] {
  return [];
}
