// What a dashboard page may use: the API's own operations, run as the page's caller (so every rule, check and
// authorization decision is the API's), plus read-only summaries from the registry's domain functions.
import type { AccountScope } from '../kernel/scope.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../kernel/clock.js';

export interface DashboardContext extends AccountScope {
  /** The path prefix of this account's pages, `/ui/<account>/<region>`: every link a page writes starts with it. */
  base: string;
  /** The token state-changing forms must carry (forms.ts). */
  formToken: string;
  /** Runs an AWS IoT operation as this page's caller; throws the API's ApiError as the API would answer it. */
  call(operation: string, input?: Record<string, unknown>): Promise<Record<string, any>>;
  /** Runs one of ddlocal's `/_ddlocal/` endpoints (preview, undo) as this page's caller; answers its JSON body. */
  extension(method: string, path: string, body: unknown): Promise<any>;
  store: Store;
  clock: Clock;
}
