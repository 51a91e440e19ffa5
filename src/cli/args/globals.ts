// The aws CLI's global options: accepted anywhere on the line, parsed the argparse way. ddlocal keeps
// the raw values; the command pipeline resolves environment and profile defaults.
import { invalidChoiceMessage, plainError, usageError, type CliError } from './errors.js';

export interface GlobalOptions {
  endpointUrl?: string;
  region?: string;
  profile?: string;
  output?: string;
  query?: string;
  noPaginate: boolean;
  debug: boolean;
  noSignRequest: boolean;
  noVerifySsl: boolean;
  caBundle?: string;
  cliReadTimeout?: number;
  cliConnectTimeout?: number;
  color?: 'on' | 'off' | 'auto';
  maxItems?: number;
  pageSize?: number;
  startingToken?: string;
  version: boolean;
}

/** Whether `--<name>` is a global option and takes a value (true), is a global flag (false), or neither (undefined). */
export function globalOptionTakesValue(name: string): boolean | undefined {
  const spec = GLOBALS[name];
  return spec === undefined ? undefined : spec.kind !== 'flag';
}

type GlobalSpec =
  | { kind: 'flag'; apply: (g: GlobalOptions) => void }
  | { kind: 'value'; choices?: readonly string[]; apply: (g: GlobalOptions, v: string) => void }
  | { kind: 'int'; apply: (g: GlobalOptions, v: number) => void };

/** Choices in aws's order (its `Invalid choice` message lists them so). */
const OUTPUT_CHOICES = ['json', 'text', 'table', 'yaml', 'yaml-stream'] as const;
const COLOR_CHOICES = ['on', 'off', 'auto'] as const;
const BINARY_FORMAT_CHOICES = ['base64', 'raw-in-base64-out'] as const;

const GLOBALS: Record<string, GlobalSpec> = {
  debug: { kind: 'flag', apply: (g) => (g.debug = true) },
  'endpoint-url': { kind: 'value', apply: (g, v) => (g.endpointUrl = v) },
  'no-verify-ssl': { kind: 'flag', apply: (g) => (g.noVerifySsl = true) },
  'no-paginate': { kind: 'flag', apply: (g) => (g.noPaginate = true) },
  output: { kind: 'value', choices: OUTPUT_CHOICES, apply: (g, v) => (g.output = v) },
  query: { kind: 'value', apply: (g, v) => (g.query = v) },
  profile: { kind: 'value', apply: (g, v) => (g.profile = v) },
  region: { kind: 'value', apply: (g, v) => (g.region = v) },
  version: { kind: 'flag', apply: (g) => (g.version = true) },
  color: { kind: 'value', choices: COLOR_CHOICES, apply: (g, v) => (g.color = v as GlobalOptions['color']) },
  'no-sign-request': { kind: 'flag', apply: (g) => (g.noSignRequest = true) },
  'ca-bundle': { kind: 'value', apply: (g, v) => (g.caBundle = v) },
  'cli-read-timeout': { kind: 'int', apply: (g, v) => (g.cliReadTimeout = v) },
  'cli-connect-timeout': { kind: 'int', apply: (g, v) => (g.cliConnectTimeout = v) },
  // Accepted for portability, no effect: no member in scope is a blob, and ddlocal never pages output
  // (docs/decisions.md#c12).
  'cli-binary-format': { kind: 'value', choices: BINARY_FORMAT_CHOICES, apply: () => {} },
  'no-cli-pager': { kind: 'flag', apply: () => {} },
  'no-cli-auto-prompt': { kind: 'flag', apply: () => {} },
  'cli-auto-prompt': {
    kind: 'flag',
    apply: () => {
      throw plainError('ddlocal does not support --cli-auto-prompt (interactive prompting): give the options on the command line.');
    },
  },
};

const STRICT_INT = /^[+-]?[0-9]+$/;

/**
 * argparse's test for a token that is an option rather than a value (ddlocal has no negative-number options):
 * `known(name)` tells whether `--name` is an option of the parser at hand.
 */
export function looksLikeOption(token: string, known: (name: string) => boolean = () => false): boolean {
  if (token.length < 2 || !token.startsWith('-')) return false;
  if (token.startsWith('--')) {
    const eq = token.indexOf('=');
    if (known(eq < 0 ? token.slice(2) : token.slice(2, eq))) return true;
  }
  if (/^-\d+$|^-\d*\.\d+$/.test(token)) return false;
  // argparse takes an unknown token containing a space for a value.
  return !token.includes(' ');
}

/** Strict integer option value (docs/decisions.md#c8); argparse's `invalid int value` otherwise. */
export function strictInt(option: string, text: string): number {
  const n = Number(text);
  if (!STRICT_INT.test(text) || !Number.isSafeInteger(n)) {
    throw usageError(`argument --${option}: invalid int value: ${pyQuote(text)}`);
  }
  return n;
}

function pyQuote(text: string): string {
  return text.includes("'") && !text.includes('"') ? `"${text}"` : `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * Removes the global options (with their values) from argv, in argv order, and returns them with the tokens that
 * remain. Errors are argparse's, raised at the first offending token.
 */
export function extractGlobals(argv: string[]): { globals: GlobalOptions; rest: string[] } {
  const globals: GlobalOptions = { noPaginate: false, debug: false, noSignRequest: false, noVerifySsl: false, version: false };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') {
      // Everything after `--` is a value for argparse; it ends option processing here too.
      rest.push(...argv.slice(i));
      break;
    }
    const eq = token.indexOf('=');
    const name = token.startsWith('--') ? (eq < 0 ? token.slice(2) : token.slice(2, eq)) : '';
    const spec = Object.hasOwn(GLOBALS, name) ? GLOBALS[name] : undefined;
    if (!spec) {
      rest.push(token);
      continue;
    }
    const explicit = eq < 0 ? undefined : token.slice(eq + 1);
    if (spec.kind === 'flag') {
      if (explicit !== undefined) throw usageError(`argument --${name}: ignored explicit argument ${pyQuote(explicit)}`);
      spec.apply(globals);
      continue;
    }
    let value = explicit;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || looksLikeOption(next, isGlobal)) throw usageError(`argument --${name}: expected one argument`);
      value = next;
      i++;
    }
    if (spec.kind === 'int') {
      spec.apply(globals, strictInt(name, value));
    } else {
      if (spec.choices && !spec.choices.includes(value)) {
        throw usageError(`argument --${name}: ${invalidChoiceMessage(value, spec.choices)}`);
      }
      spec.apply(globals, value);
    }
  }
  return { globals, rest };
}

function isGlobal(name: string): boolean {
  return Object.hasOwn(GLOBALS, name);
}

/** aws rejects an endpoint without a scheme before it looks at the operation's options. */
export function checkEndpointUrl(url: string | undefined): CliError | undefined {
  if (url === undefined || /^[A-Za-z][A-Za-z0-9+.-]*:/.test(url)) return undefined;
  return plainError(
    `Bad value for --endpoint-url "${url}": scheme is missing.  Must be of the form http://<hostname>/ or https://<hostname>/`,
  );
}
