// ddlocal's own endpoints live under /_ddlocal/, where no AWS IoT path can be (none starts with `/_`), so they never
// change what an AWS path does. Features contribute them as plain routes; the protocol layer serves them with the
// same caller resolution and the same AWS-shaped errors as AWS paths.
import type { AccountScope } from './scope.js';

export interface ExtensionRequest {
  method: string;
  path: string;
  query: Map<string, string[]>;
  body: Buffer;
  /** The account and region of the request, resolved as for AWS paths. */
  caller: AccountScope;
  requestId: string;
  /**
   * Whether the caller may act beyond its own account (other accounts' state, a global reset, the clock): always in
   * open mode, only admin credentials in strict mode.
   */
  admin: boolean;
  /** Strict mode: the verified caller (absent in open mode). */
  principal?: { accessKeyId: string; principalArn: string };
}

export interface ExtensionResponse {
  status?: number;
  contentType?: string;
  body: unknown;
}

export type ExtensionHandler = (req: ExtensionRequest) => Promise<ExtensionResponse>;

/** One endpoint: an exact method and path, or a path prefix ending in "/". */
export interface ExtensionRoute {
  method: string;
  path: string;
  /**
   * The IAM action that authorizes it in strict mode, in ddlocal's own namespace (`ddlocal:Reset`): callers other
   * than an account's root or an admin need a policy allowing it, as for an AWS action (docs/decisions.md#w21).
   * `none` for an endpoint that shows callers only what concerns themselves (the health probe, simulating one's own
   * access), which every verified caller may use.
   */
  action: `ddlocal:${string}` | 'none';
  /**
   * The largest body it accepts, in bytes; default the 1 MiB of every request. Only for an endpoint whose input is
   * naturally large (a fleet file with thousands of certificates); it is read and parsed in linear time all the same.
   */
  maxBodyBytes?: number;
  handler: ExtensionHandler;
}
