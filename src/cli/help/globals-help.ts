// The GLOBAL OPTIONS section and the SYNOPSIS lines of the aws CLI's global options, as ddlocal accepts them
// (src/cli/args/globals.ts). The text says what each does in ddlocal, which is not always what it does in aws.
export interface GlobalOptionHelp {
  name: string;
  type: 'boolean' | 'string' | 'int';
  doc: string;
  choices?: readonly string[];
}

/** In aws's order (the order of its SYNOPSIS). */
export const GLOBAL_OPTION_HELP: readonly GlobalOptionHelp[] = [
  { name: 'debug', type: 'boolean', doc: 'Turn on debug logging (one line per request on standard error).' },
  {
    name: 'endpoint-url',
    type: 'string',
    doc: "Override the command's URL. Without it (or AWS_ENDPOINT_URL_IOT, AWS_ENDPOINT_URL, a profile's endpoint_url) ddlocal iot talks to the local server at http://127.0.0.1:4580.",
  },
  { name: 'no-verify-ssl', type: 'boolean', doc: 'Do not verify SSL certificates of an https endpoint.' },
  { name: 'no-paginate', type: 'boolean', doc: 'Disable automatic pagination.' },
  { name: 'output', type: 'string', doc: 'The formatting style for command output.', choices: ['json', 'text', 'table', 'yaml', 'yaml-stream'] },
  { name: 'query', type: 'string', doc: 'A JMESPath query to use in filtering the response data.' },
  { name: 'profile', type: 'string', doc: 'Use a specific profile from your credential file.' },
  { name: 'region', type: 'string', doc: 'The region to use. Overrides config/env settings.' },
  { name: 'version', type: 'string', doc: 'Display the version of this tool.' },
  { name: 'color', type: 'string', doc: 'Turn on/off color output.', choices: ['on', 'off', 'auto'] },
  { name: 'no-sign-request', type: 'boolean', doc: 'Do not sign requests. Credentials will not be loaded if this argument is provided.' },
  { name: 'ca-bundle', type: 'string', doc: 'The CA certificate bundle to use when verifying SSL certificates. Overrides config/env settings.' },
  { name: 'cli-read-timeout', type: 'int', doc: 'The maximum socket read time in seconds. 0 means no timeout. The default is 60 seconds.' },
  { name: 'cli-connect-timeout', type: 'int', doc: 'The maximum socket connect time in seconds. 0 means no timeout. The default is 60 seconds.' },
  {
    name: 'cli-binary-format',
    type: 'string',
    doc: 'Accepted for compatibility with aws; no effect in ddlocal.',
    choices: ['base64', 'raw-in-base64-out'],
  },
  { name: 'no-cli-pager', type: 'boolean', doc: 'ddlocal never pages command output; with help, it prints the page without a pager.' },
  { name: 'cli-auto-prompt', type: 'boolean', doc: 'Not supported by ddlocal (an error): give the options on the command line.' },
  { name: 'no-cli-auto-prompt', type: 'boolean', doc: 'Accepted for compatibility with aws; no effect in ddlocal.' },
];

export function globalSynopsis(option: GlobalOptionHelp): string {
  return option.type === 'boolean' ? `[--${option.name}]` : `[--${option.name} <value>]`;
}
