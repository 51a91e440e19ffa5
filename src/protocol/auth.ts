// Resolves the caller's account and region from the SigV4 Authorization header (docs/decisions.md#w2, #w11).
// In `open` mode (the only mode so far) the signature is parsed, not verified; the parsed credential is kept whole
// so a strict verifier can be added behind the same function.
import { ApiError, invalidRequest } from '../kernel/errors.js';

export const DEFAULT_ACCOUNT = '000000000000';

export interface SigV4Header {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

export interface Caller {
  accountId: string;
  region: string;
  accessKeyId?: string;
  /**
   * The parsed Authorization header, kept whole for a strict verifier (docs/decisions.md#w11), which needs the scope
   * date, service, signed header list and signature; absent for unsigned requests.
   */
  sigv4?: SigV4Header;
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

export function parseAuthorization(header: string): SigV4Header {
  const m = /^AWS4-HMAC-SHA256\s+(.*)$/s.exec(header.trim());
  const incomplete = (why: string) =>
    new ApiError('IncompleteSignatureException', `Authorization header is not a valid AWS Signature Version 4 header: ${why}`);
  if (!m) throw incomplete('it must start with AWS4-HMAC-SHA256');
  const parts: Record<string, string> = {};
  for (const piece of m[1]!.split(',')) {
    const eq = piece.indexOf('=');
    if (eq === -1) continue;
    parts[piece.slice(0, eq).trim()] = piece.slice(eq + 1).trim();
  }
  const credential = parts['Credential'];
  if (!credential) throw incomplete('Credential is missing');
  const scope = credential.split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request' || !scope[0])
    throw incomplete('Credential must be <access key id>/<date>/<region>/<service>/aws4_request');
  if (!parts['SignedHeaders']) throw incomplete('SignedHeaders is missing');
  if (!parts['Signature']) throw incomplete('Signature is missing');
  return {
    accessKeyId: scope[0],
    date: scope[1]!,
    region: scope[2]!,
    service: scope[3]!,
    signedHeaders: parts['SignedHeaders'].split(';'),
    signature: parts['Signature'],
  };
}

export function resolveCaller(authorization: string | undefined, defaultRegion: string): Caller {
  if (!authorization) return { accountId: DEFAULT_ACCOUNT, region: defaultRegion };
  const sig = parseAuthorization(authorization);
  if (!REGION.test(sig.region)) throw invalidRequest(`'${sig.region}' in the credential scope is not a valid AWS region name`);
  const accountId = /^\d{12}$/.test(sig.accessKeyId) ? sig.accessKeyId : DEFAULT_ACCOUNT;
  return { accountId, region: sig.region, accessKeyId: sig.accessKeyId, sigv4: sig };
}
