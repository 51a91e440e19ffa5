// `--output yaml` / `yaml-stream`: what the aws CLI's YAMLDumper prints. It uses ruamel.yaml's safe dumper, which
// (when the C extension is present, as in aws-cli 2.9.19) serialises through libyaml's emitter: block style, sorted
// keys, indentless sequences inside mappings, `{}` / `[]` for empty collections, libyaml's scalar analysis, style
// choice and folding at width 80, and ruamel's YAML 1.2 implicit resolvers to decide which strings need quotes. This
// module ports exactly those parts; the `yaml` package is not used because its style choice and folding differ, and
// byte parity with aws is the point.
import { SampleTimestamp } from '../skeleton.js';
import { renderJsonScalar } from './json.js';
import { isObject, pythonNumber, sortedKeys, type OutObject, type OutValue } from './values.js';

const BEST_WIDTH = 80;
const INDENT = 2;

/** aws's YAMLDumper.dump: scalars (and null) as one-line JSON, containers as a YAML document. */
export function renderYaml(value: OutValue): string {
  if (!Array.isArray(value) && !isObject(value)) return renderJsonScalar(value) + '\n';
  const e = new Emitter();
  e.node(value, -1, false);
  return e.finish();
}

// ---------------------------------------------------------------------------------------------------------------
// Plain-scalar resolution (ruamel's YAML 1.2 implicit resolvers): a string that would read back as another type must
// be quoted. re.X patterns with their insignificant whitespace removed.
const IMPLICIT = [
  /^(?:true|True|TRUE|false|False|FALSE)$/,
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)|[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  /^(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+)$/,
  /^(?:<<)$/,
  /^(?:~|null|Null|NULL|)$/,
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/,
  /^(?:=)$/,
];

// Python's `$` also matches before a final newline; such strings are never plain anyway (line breaks forbid it).
const resolvesToNonString = (text: string) => IMPLICIT.some((re) => re.test(text));

interface Scalar {
  text: string;
  /** true for str values (quoted when the plain text would resolve to another type); false for null/bool/numbers. */
  isString: boolean;
}

function scalarOf(value: OutValue): Scalar {
  if (value === null) return { text: 'null', isString: false };
  if (typeof value === 'boolean') return { text: value ? 'true' : 'false', isString: false };
  if (typeof value === 'number') return { text: yamlNumber(value), isString: false };
  // ruamel writes datetimes with isoformat(' '); the sample's zone-less epoch resolves as a timestamp, so stays plain.
  if (value instanceof SampleTimestamp) return { text: value.toString(), isString: false };
  return { text: value as string, isString: true };
}

function yamlNumber(n: number): string {
  if (Number.isNaN(n)) return '.nan';
  if (!Number.isFinite(n)) return n > 0 ? '.inf' : '-.inf';
  if (Number.isInteger(n)) return pythonNumber(n);
  return pythonNumber(n).toLowerCase();
}

interface Analysis {
  empty: boolean;
  multiline: boolean;
  allowBlockPlain: boolean;
  allowSingleQuoted: boolean;
}

const isBreak = (ch: string | undefined) => ch !== undefined && '\r\n\x85\u2028\u2029'.includes(ch);
// libyaml's IS_BLANKZ; undefined stands for the terminating NUL after the last character.
const isBlankZ = (ch: string | undefined) => ch === undefined || ch === ' ' || ch === '\t' || ch === '\0' || isBreak(ch);

/** libyaml's IS_PRINTABLE (with unicode output on): LF, ASCII printables, BMP except surrogates, FEFF, FFFE/FFFF. */
function isPrintable(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  return cp === 0x0a || (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff);
}

/** libyaml's yaml_emitter_analyze_scalar, reduced to what block-context style selection needs. */
function analyze(chars: string[]): Analysis {
  if (chars.length === 0) return { empty: true, multiline: false, allowBlockPlain: true, allowSingleQuoted: true };
  const text = chars.join('');
  let blockIndicators = text.startsWith('---') || text.startsWith('...');
  let special = false;
  let lineBreaks = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let previousSpace = false;
  let previousBreak = false;
  let precededByWhitespace = true;
  let followedByWhitespace = isBlankZ(chars[1]);
  chars.forEach((ch, index) => {
    const first = index === 0;
    const last = index === chars.length - 1;
    if (first) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) blockIndicators = true;
      if ((ch === '?' || ch === ':') && followedByWhitespace) blockIndicators = true;
      if (ch === '-' && followedByWhitespace) blockIndicators = true;
    } else {
      if (ch === ':' && followedByWhitespace) blockIndicators = true;
      if (ch === '#' && precededByWhitespace) blockIndicators = true;
    }
    if (!isPrintable(ch)) special = true;
    if (isBreak(ch)) lineBreaks = true;
    if (ch === ' ') {
      if (first) leadingSpace = true;
      if (last) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(ch)) {
      if (first) leadingBreak = true;
      if (last) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isBlankZ(ch);
    if (!last) followedByWhitespace = isBlankZ(chars[index + 2]);
  });
  let allowBlockPlain = !(leadingSpace || leadingBreak || trailingSpace || trailingBreak);
  let allowSingleQuoted = true;
  if (breakSpace || spaceBreak || special) allowBlockPlain = allowSingleQuoted = false;
  if (lineBreaks || blockIndicators) allowBlockPlain = false;
  return { empty: false, multiline: lineBreaks, allowBlockPlain, allowSingleQuoted };
}

type Style = '' | "'" | '"';

/** libyaml's yaml_emitter_select_scalar_style in block context (no explicit style requested). */
function chooseStyle(s: Scalar, a: Analysis, simpleKey: boolean): Style {
  let style: Style = '';
  if (simpleKey && a.multiline) style = '"';
  if (style === '') {
    const plainImplicit = !s.isString || !resolvesToNonString(s.text);
    if (!a.allowBlockPlain || (a.empty && simpleKey) || !plainImplicit) style = "'";
  }
  if (style === "'" && !a.allowSingleQuoted) style = '"';
  return style;
}

const ESCAPES: Record<string, string> = {
  '\0': '0', '\x07': 'a', '\x08': 'b', '\x09': 't', '\x0A': 'n', '\x0B': 'v', '\x0C': 'f', '\x0D': 'r', '\x1B': 'e',
  '"': '"', '\\': '\\', '\x85': 'N', '\xA0': '_', '\u2028': 'L', '\u2029': 'P',
};

function escapeOf(ch: string): string {
  const short = ESCAPES[ch];
  if (short) return short;
  const cp = ch.codePointAt(0)!;
  if (cp <= 0xff) return 'x' + cp.toString(16).toUpperCase().padStart(2, '0');
  if (cp <= 0xffff) return 'u' + cp.toString(16).toUpperCase().padStart(4, '0');
  return 'U' + cp.toString(16).toUpperCase().padStart(8, '0');
}

/** libyaml's check_simple_key for a scalar: single-line and at most 128 UTF-8 bytes. */
function isSimpleKey(key: string): boolean {
  return !analyze([...key]).multiline && Buffer.byteLength(key, 'utf8') <= 128;
}

// ---------------------------------------------------------------------------------------------------------------
// The emitter: libyaml's column / whitespace / indention bookkeeping, so that folding lands on the same characters.

class Emitter {
  private out: string[] = [];
  private column = 0;
  private whitespace = true;
  private indention = true;
  private indent = -1;

  finish(): string {
    // Document end: libyaml writes an indent, which ends the last line.
    this.indent = 0;
    this.writeIndent();
    return this.out.join('');
  }

  private put(ch: string): void {
    this.out.push(ch);
    this.column++;
  }

  private putBreak(): void {
    this.out.push('\n');
    this.column = 0;
  }

  /** libyaml's WRITE_BREAK: a line feed becomes the output line break, other breaks are copied. */
  private writeBreak(ch: string): void {
    if (ch === '\n') this.putBreak();
    else {
      this.out.push(ch);
      this.column = 0;
    }
  }

  private writeIndent(): void {
    const indent = Math.max(this.indent, 0);
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) this.putBreak();
    while (this.column < indent) this.put(' ');
    this.whitespace = true;
    this.indention = true;
  }

  private indicator(text: string, needWhitespace: boolean, isWhitespace: boolean, isIndention: boolean): void {
    if (needWhitespace && !this.whitespace) this.put(' ');
    for (const ch of text) this.put(ch);
    this.whitespace = isWhitespace;
    this.indention = this.indention && isIndention;
  }

  /** A node whose enclosing collection has indentation `parent` (-1 at the root). */
  node(value: OutValue, parent: number, mappingContext: boolean): void {
    if (Array.isArray(value)) return value.length === 0 ? this.emptyFlow('[', ']') : this.sequence(value, parent, mappingContext);
    if (isObject(value)) {
      const keys = sortedKeys(Object.keys(value));
      return keys.length === 0 ? this.emptyFlow('{', '}') : this.mapping(value, keys, parent);
    }
    this.scalar(scalarOf(value), parent, false);
  }

  private emptyFlow(open: string, close: string): void {
    this.indicator(open, true, true, false);
    this.indicator(close, false, false, false);
  }

  private sequence(items: OutValue[], parent: number, mappingContext: boolean): void {
    // A sequence that is a mapping value starts on its own line at the key's column ("indentless").
    const indentless = mappingContext && !this.indention;
    const indent = parent < 0 ? 0 : indentless ? parent : parent + INDENT;
    for (const item of items) {
      this.indent = indent;
      this.writeIndent();
      this.indicator('-', true, false, true);
      this.node(item, indent, false);
    }
  }

  private mapping(map: OutObject, keys: string[], parent: number): void {
    const indent = parent < 0 ? 0 : parent + INDENT;
    for (const key of keys) {
      this.indent = indent;
      this.writeIndent();
      if (isSimpleKey(key)) {
        this.scalar({ text: key, isString: true }, indent, true);
        this.indicator(':', false, false, false);
      } else {
        // Multi-line or long keys use the explicit `? key` / `: value` form.
        this.indicator('?', true, false, true);
        this.scalar({ text: key, isString: true }, indent, false);
        this.indent = indent;
        this.writeIndent();
        this.indicator(':', true, false, true);
      }
      this.node(map[key]!, indent, true);
    }
  }

  private scalar(s: Scalar, parent: number, simpleKey: boolean): void {
    const chars = [...s.text];
    const style = chooseStyle(s, analyze(chars), simpleKey);
    // Continuation lines of a folded scalar are indented one level below the collection holding it.
    this.indent = parent < 0 ? INDENT : parent + INDENT;
    const allowBreaks = !simpleKey;
    if (style === '"') this.doubleQuoted(chars, allowBreaks);
    else if (style === "'") this.singleQuoted(chars, allowBreaks);
    else this.plain(chars, allowBreaks);
  }

  private plain(chars: string[], allowBreaks: boolean): void {
    if (!this.whitespace && chars.length > 0) this.put(' ');
    let spaces = false;
    for (let i = 0; i < chars.length; i++) {
      const ch = chars[i]!;
      if (ch === ' ') {
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && chars[i + 1] !== ' ') this.writeIndent();
        else this.put(ch);
        spaces = true;
      } else {
        // Plain scalars never contain line breaks (the analysis rules them out).
        this.put(ch);
        this.indention = false;
        spaces = false;
      }
    }
    this.whitespace = false;
    this.indention = false;
  }

  private singleQuoted(chars: string[], allowBreaks: boolean): void {
    this.indicator("'", true, false, false);
    let spaces = false;
    let breaks = false;
    for (let i = 0; i < chars.length; i++) {
      const ch = chars[i]!;
      if (ch === ' ') {
        const breakable = allowBreaks && !spaces && this.column > BEST_WIDTH && i !== 0 && i !== chars.length - 1;
        if (breakable && chars[i + 1] !== ' ') this.writeIndent();
        else this.put(ch);
        spaces = true;
      } else if (isBreak(ch)) {
        if (!breaks && ch === '\n') this.putBreak();
        this.writeBreak(ch);
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        if (ch === "'") this.put("'");
        this.put(ch);
        this.indention = false;
        spaces = false;
        breaks = false;
      }
    }
    if (breaks) this.writeIndent();
    this.indicator("'", false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  private doubleQuoted(chars: string[], allowBreaks: boolean): void {
    this.indicator('"', true, false, false);
    let spaces = false;
    for (let i = 0; i < chars.length; i++) {
      const ch = chars[i]!;
      if (!isPrintable(ch) || isBreak(ch) || ch === '"' || ch === '\\') {
        for (const c of '\\' + escapeOf(ch)) this.put(c);
        spaces = false;
      } else if (ch === ' ') {
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && i !== 0 && i !== chars.length - 1) {
          this.writeIndent();
          // A space right after the fold would be eaten by the reader: escape it.
          if (chars[i + 1] === ' ') this.put('\\');
        } else {
          this.put(ch);
        }
        spaces = true;
      } else {
        this.put(ch);
        spaces = false;
      }
    }
    this.indicator('"', false, false, false);
    this.whitespace = false;
    this.indention = false;
  }
}
