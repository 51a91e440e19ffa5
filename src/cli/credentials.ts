// As whom `ddlocal iot` and the extension commands (reset, clock, preview, undo) sign (docs/decisions.md#c10,
// docs/cli-extras.md): the AWS SDK's default credential chain, or the named profile, with the local server's default
// account as the fallback when nothing names an endpoint. Shared so that every command treats credentials alike.
import { createRequire } from 'node:module';
import type * as CredentialProviderNode from '@aws-sdk/credential-provider-node';
import type { AwsCredentialIdentity } from '@smithy/types';
import { CliError, type GlobalOptions } from './arguments.js';
import type { ResolvedConfig } from './client-config.js';

/** Credentials for the default local endpoint when none are configured: the default account (docs/decisions.md#c10). */
export const LOCAL_FALLBACK: AwsCredentialIdentity = { accessKeyId: '000000000000', secretAccessKey: 'ddlocal' };

export type CredentialsProvider = () => Promise<AwsCredentialIdentity>;

/**
 * aws's PartialCredentialsError, word for word and with its exit code (255): an access key id in the environment
 * without its secret is a mistake to report, not a reason to fall back silently to another identity. aws ignores the
 * environment when --profile is given on the command line (AWS_PROFILE does not), and a secret without a key id is
 * no environment credential at all (the chain goes on), so only this one case is an error.
 */
export function checkPartialEnvironmentCredentials(globals: Pick<GlobalOptions, 'profile' | 'noSignRequest'>, env: NodeJS.ProcessEnv): void {
  if (globals.noSignRequest || globals.profile !== undefined) return;
  if (env.AWS_ACCESS_KEY_ID && !env.AWS_SECRET_ACCESS_KEY)
    throw new CliError(255, '\nPartial credentials found in env, missing: AWS_SECRET_ACCESS_KEY\n');
}

export function credentialsProvider(config: ResolvedConfig, globals: GlobalOptions, env: NodeJS.ProcessEnv): CredentialsProvider {
  if (globals.noSignRequest) return async () => LOCAL_FALLBACK;
  const { defaultProvider } = createRequire(import.meta.url)('@aws-sdk/credential-provider-node') as typeof CredentialProviderNode;
  // The chain's own notices (e.g. "Multiple credential sources detected" for --profile with AWS_ACCESS_KEY_ID set)
  // would otherwise go to stderr through console.warn; aws prints nothing there.
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const chain = defaultProvider({ ...(config.profile ? { profile: config.profile } : {}), logger: quiet });
  return async (): Promise<AwsCredentialIdentity> => {
    checkPartialEnvironmentCredentials(globals, env);
    try {
      return await chain();
    } catch {
      if (config.defaultLocal) return LOCAL_FALLBACK;
      throw new CliError(253, '\nUnable to locate credentials. You can configure credentials by running "aws configure".\n');
    }
  };
}
