// The CLI's error type and the aws usage/error layouts with ddlocal's program name (docs/decisions.md#c1). Every
// handled error of argument processing is a CliError carrying the exact stderr text and the exit code.

const PROGRAM = 'ddlocal';

/** A handled CLI failure: `stderr` is printed verbatim (stdout stays empty) and the process exits with `rc`. */
export class CliError extends Error {
  constructor(
    readonly rc: number,
    readonly stderr: string,
  ) {
    super(stderr.trim());
    this.name = 'CliError';
  }
}

/** Exit code of usage, parameter and validation errors (docs/decisions.md#c1). */
const RC_USAGE = 252;

const USAGE_BLOCK =
  `usage: ${PROGRAM} [options] <command> <subcommand> [<subcommand> ...] [parameters]\n` +
  'To see help text, you can run:\n\n' +
  `  ${PROGRAM} help\n  ${PROGRAM} <command> help\n  ${PROGRAM} <command> <subcommand> help\n`;

/** argparse's `parser.error(message)` as aws prints it: usage block, `ddlocal: error: …`. */
export function usageError(message: string): CliError {
  return new CliError(RC_USAGE, `\n${USAGE_BLOCK}\n${PROGRAM}: error: ${message}\n\n`);
}

/** Tokens no option consumed (aws's UnknownArgumentError: usage block without the `error:` prefix). */
export function unknownOptionsError(tokens: string[]): CliError {
  return new CliError(RC_USAGE, `\n${USAGE_BLOCK}\nUnknown options: ${tokens.join(', ')}\n\n`);
}

/** aws's ParamError: `Error parsing parameter '<name>': <detail>`; `name` is given exactly as aws prints it. */
export function paramError(name: string, detail: string): CliError {
  return new CliError(RC_USAGE, `\nError parsing parameter '${name}': ${detail}\n`);
}

/** A plain one-message error (aws's ParamSyntaxError, ParamValidationError of paging checks, …). */
export function plainError(message: string, rc = RC_USAGE): CliError {
  return new CliError(rc, `\n${message}\n`);
}

/**
 * aws's `Invalid choice` text: the choices in two 40-character columns joined by ` | ` (trailing padding kept, as
 * aws prints it), then close matches when there are any.
 */
export function invalidChoiceMessage(value: string, choices: readonly string[]): string {
  const lines = ['Invalid choice, valid choices are:\n'];
  for (let i = 0; i < choices.length; i += 2) {
    lines.push(choices.slice(i, i + 2).map((c) => c.padEnd(40)).join(' | '));
  }
  const possible = closeMatches(value, choices);
  if (possible.length > 0) {
    lines.push(`\n\nInvalid choice: ${pyRepr(value)}, maybe you meant:\n`);
    for (const word of possible) lines.push(`  * ${word}`);
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// difflib.get_close_matches(word, possibilities, n=3, cutoff=0.8), which aws uses for its suggestions.

export function closeMatches(word: string, possibilities: readonly string[], n = 3, cutoff = 0.8): string[] {
  const scored: [number, string][] = [];
  for (const x of possibilities) {
    const score = ratio(x, word);
    if (score >= cutoff) scored.push([score, x]);
  }
  // heapq.nlargest over (score, word) tuples: higher score first, ties by the larger word.
  scored.sort((a, b) => b[0] - a[0] || (a[1] < b[1] ? 1 : a[1] > b[1] ? -1 : 0));
  return scored.slice(0, n).map(([, x]) => x);
}

/** SequenceMatcher(None, a, b).ratio() (no junk; autojunk only matters from 200 characters on). */
function ratio(a: string, b: string): number {
  const total = a.length + b.length;
  return total === 0 ? 1 : (2 * matchingCharacters(a, 0, a.length, b, 0, b.length)) / total;
}

/** Sum of the sizes of SequenceMatcher's matching blocks: longest match first, then recursively left and right. */
function matchingCharacters(a: string, alo: number, ahi: number, b: string, blo: number, bhi: number): number {
  let bestI = alo;
  let bestJ = blo;
  let bestSize = 0;
  // find_longest_match: earliest in a, then earliest in b, among the longest blocks.
  let previous = new Map<number, number>();
  for (let i = alo; i < ahi; i++) {
    const current = new Map<number, number>();
    for (let j = blo; j < bhi; j++) {
      if (a[i] !== b[j]) continue;
      const k = (previous.get(j - 1) ?? 0) + 1;
      current.set(j, k);
      if (k > bestSize) {
        bestI = i - k + 1;
        bestJ = j - k + 1;
        bestSize = k;
      }
    }
    previous = current;
  }
  if (bestSize === 0) return 0;
  return (
    bestSize +
    matchingCharacters(a, alo, bestI, b, blo, bestJ) +
    matchingCharacters(a, bestI + bestSize, ahi, b, bestJ + bestSize, bhi)
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Python's repr/str of the values the aws messages interpolate.

/** repr() of a str: single quotes unless the text has a ' and no ", Python's escapes. */
export function pyRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + quote;
}
