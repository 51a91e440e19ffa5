// DescribeEndpoint: the account's device endpoint. AWS answers a host name of its data plane (MQTT, the credentials
// provider, Jobs); ddlocal has none of those services, so every endpoint type answers the address the client used to
// reach this ddlocal — a script that hands the address to a device SDK or writes it into a config file then points
// at the local server instead of at AWS (docs/decisions.md#w22).
import type { HandlerTable, RequestContext } from './context.js';
import type { DescribeEndpointInput, DescribeEndpointOutput } from '../model/types.generated.js';
import { invalidRequest } from '../kernel/errors.js';

/** The endpoint types AWS documents for DescribeEndpoint [AWS]. */
const ENDPOINT_TYPES: readonly string[] = ['iot:Data', 'iot:Data-ATS', 'iot:CredentialProvider', 'iot:Jobs'];

/** The address answered when a handler runs outside an HTTP request (no Host to copy): ddlocal's default listener. */
const FALLBACK_ADDRESS = '127.0.0.1:4580';

async function describeEndpoint(input: DescribeEndpointInput, ctx: RequestContext): Promise<DescribeEndpointOutput> {
  // Absent means the legacy iot:Data endpoint on AWS; here every type has the same address.
  const endpointType = input.endpointType ?? 'iot:Data';
  if (!ENDPOINT_TYPES.includes(endpointType))
    // JSON.stringify quotes the value and escapes control characters, so the message shows exactly what was sent.
    throw invalidRequest(
      `Endpoint type ${JSON.stringify(endpointType)} not recognized; valid endpoint types are ${ENDPOINT_TYPES.join(', ')}`,
    );
  return { endpointAddress: ctx.requestHost ?? FALLBACK_ADDRESS };
}

export const endpointHandlers = {
  DescribeEndpoint: describeEndpoint,
} satisfies HandlerTable;
