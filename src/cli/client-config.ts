// Where `ddlocal iot` sends a request and as whom (docs/decisions.md#c6, #c10): endpoint, region, profile
// settings and the output defaults, resolved the way the aws CLI does — flags, then environment, then the profile —
// with ddlocal's local server as the endpoint of last resort.
import { createRequire } from 'node:module';
import type * as SmithyConfig from '@smithy/core/config';
import { CliError } from './arguments.js';
import type { GlobalOptions } from './arguments.js';

const DEFAULT_LOCAL_ENDPOINT = 'http://127.0.0.1:4580';

export interface ResolvedConfig {
  endpoint: string;
  /** True when nothing named an endpoint and the local server is used: then region and credentials may default. */
  defaultLocal: boolean;
  region?: string;
  profile?: string;
  output: string;
  timestampFormat: 'iso8601' | 'wire';
  maxAttempts?: number;
  caBundle?: string;
}

type Section = Record<string, string | undefined>;

/** The named profile's settings from AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/…). */
async function profileSettings(profile: string | undefined, explicit: boolean): Promise<Section> {
  // Required, not imported: the package resolves to CommonJS either way, and require() skips the ESM loader's
  // CommonJS export lexer (start-up time, see send.ts). The SDK later requires the same, already cached, module.
  const { loadSharedConfigFiles } = createRequire(import.meta.url)('@smithy/core/config') as typeof SmithyConfig;
  const files = await loadSharedConfigFiles({ ignoreCache: true });
  const name = profile ?? 'default';
  const config = files.configFile?.[name];
  const credentials = files.credentialsFile?.[name];
  if (explicit && !config && !credentials) throw new CliError(253, `\nThe config profile (${name}) could not be found\n`);
  return { ...(credentials ?? {}), ...(config ?? {}) };
}

function checkEndpoint(url: string): string {
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(url))
    throw new CliError(
      252,
      `\nBad value for --endpoint-url "${url}": scheme is missing.  Must be of the form http://<hostname>/ or https://<hostname>/\n`,
    );
  return url;
}

export async function resolveConfig(globals: GlobalOptions, env: NodeJS.ProcessEnv): Promise<ResolvedConfig> {
  const profileName = globals.profile ?? env.AWS_PROFILE ?? undefined;
  const profile = await profileSettings(profileName, profileName !== undefined);
  const named = globals.endpointUrl ?? env.AWS_ENDPOINT_URL_IOT ?? env.AWS_ENDPOINT_URL ?? profile.endpoint_url;
  const endpoint = named !== undefined ? checkEndpoint(named) : DEFAULT_LOCAL_ENDPOINT;
  const defaultLocal = named === undefined;
  const region = globals.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? profile.region ?? (defaultLocal ? 'us-east-1' : undefined);
  const timestampFormat = profile.cli_timestamp_format === 'wire' ? 'wire' : 'iso8601';
  const attempts = env.AWS_MAX_ATTEMPTS ?? profile.max_attempts;
  return {
    endpoint,
    defaultLocal,
    region,
    profile: profileName,
    output: globals.output ?? env.AWS_DEFAULT_OUTPUT ?? profile.output ?? 'json',
    timestampFormat,
    maxAttempts: attempts !== undefined && /^\d+$/.test(attempts) ? Math.max(1, Number(attempts)) : undefined,
    caBundle: globals.caBundle ?? env.AWS_CA_BUNDLE ?? profile.ca_bundle,
  };
}
