// Wildcard matching that cannot blow up: the dynamic group query language (`*`, `?`) and the policy analyser (`*`,
// `?`, and device-bound policy variables, which stand for a non-empty run without `/`) both match user-written
// patterns against names and paths. A backtracking matcher — a RegExp built from the pattern — needs time
// exponential in the number of `*` on an unlucky value (`*a*a*a…*b` against `aaaa…a` froze the server for minutes).
//
// Hand-written because no library gives this: JavaScript's RegExp engine backtracks, and the glob packages (minimatch,
// picomatch, micromatch) compile to RegExps too; none offers the "non-empty run without /" class either. The pattern
// is compiled to a small automaton (one state per pattern character, a self-loop for each run) and simulated with
// a set of live states, Thompson style: each character of the value is looked at once, against at most every state,
// so a match takes at most (value length) × (pattern states) steps, and memory is three arrays of the pattern's
// size. Nothing here recurses or backtracks.

/** One element of a wildcard pattern. */
export type GlobToken =
  /** Literal characters, matched one by one. */
  | { kind: 'literal'; text: string }
  /** Exactly one character (`?`). */
  | { kind: 'one' }
  /** Any run of characters, the empty one included (`*`). */
  | { kind: 'run' }
  /** A non-empty run of characters other than `/` (a device-bound policy variable). */
  | { kind: 'segment' };

/**
 * What one character of pattern and value is, and how letters compare, so a compiled glob means exactly what the
 * RegExp it replaces meant:
 * - `codePoint`: a Unicode code point, so an astral character (an emoji) is one character — a RegExp with the `u` flag;
 * - `codeUnit`: a UTF-16 code unit — a RegExp without `u`; with `ignoreCase`, letters compare as such a RegExp with
 *   the `i` flag compares them (each code unit upper-cased on its own).
 */
export type GlobOptions = { unit: 'codePoint' } | { unit: 'codeUnit'; ignoreCase?: boolean };

/** Counts the work a match does: one step per automaton state looked at for one character of the value. */
export interface StepCounter {
  steps: number;
}

// State kinds. The two runs loop on themselves and may also be skipped; the others consume one character and move on.
const LITERAL = 0;
const ONE = 1;
const NOT_SLASH = 2;
const RUN = 3;
const RUN_NOT_SLASH = 4;
const SLASH = 0x2f;

/** A non-Unicode RegExp's case canonicalisation of one code unit (ECMAScript Canonicalize with ignoreCase, no `u`). */
function canonicalize(c: number): number {
  if (c < 128) return c >= 0x61 && c <= 0x7a ? c - 32 : c;
  const upper = String.fromCharCode(c).toUpperCase();
  if (upper.length !== 1) return c;
  const u = upper.charCodeAt(0);
  // A non-ASCII letter never becomes an ASCII one (so `ſ` does not match `s`).
  return u < 128 ? c : u;
}

export class Glob {
  /** Kind of each state; the state after the last (index `kinds.length`) accepts. */
  private readonly kinds: Uint8Array;
  /** The character a LITERAL state consumes (already case-canonical under ignoreCase). */
  private readonly chars: Int32Array;
  private readonly accept: number;
  private readonly byCodePoint: boolean;
  private readonly ignoreCase: boolean;
  /** How many states the literal prefix (everything before the first wildcard) has. */
  private readonly prefix: number;
  /** Whether the pattern after its literal prefix is exactly one `*`, so any rest of the value matches. */
  private readonly restIsRun: boolean;
  // Scratch space reused by every call (matching is synchronous and never re-entered): state lists, and per state
  // the generation of the list it was last put on, so a state joins a list at most once.
  private readonly lists: [Int32Array, Int32Array];
  /** Two more lists for matchesPrefixes, made on first use. */
  private sideLists: [Int32Array, Int32Array] | undefined;
  private readonly onList: Int32Array;
  private generation = 0;
  private steps = 0;

  constructor(tokens: readonly GlobToken[], options: GlobOptions) {
    this.byCodePoint = options.unit === 'codePoint';
    this.ignoreCase = options.unit === 'codeUnit' && options.ignoreCase === true;
    const kinds: number[] = [];
    const chars: number[] = [];
    const push = (kind: number, char = 0) => {
      kinds.push(kind);
      chars.push(char);
    };
    for (const t of tokens) {
      switch (t.kind) {
        case 'literal':
          for (const c of this.characters(t.text)) push(LITERAL, this.ignoreCase ? canonicalize(c) : c);
          break;
        case 'one':
          push(ONE);
          break;
        case 'run':
          // `**` means what `*` means; one state keeps the state set small.
          if (kinds[kinds.length - 1] !== RUN) push(RUN);
          break;
        case 'segment':
          push(NOT_SLASH);
          push(RUN_NOT_SLASH);
          break;
      }
    }
    this.kinds = Uint8Array.from(kinds);
    this.chars = Int32Array.from(chars);
    this.accept = kinds.length;
    let prefix = 0;
    while (prefix < kinds.length && kinds[prefix] === LITERAL) prefix++;
    this.prefix = prefix;
    this.restIsRun = prefix === kinds.length - 1 && kinds[prefix] === RUN;
    const size = kinds.length + 1;
    this.lists = [new Int32Array(size), new Int32Array(size)];
    this.onList = new Int32Array(size);
  }

  /** The number of automaton states (the accepting one included): the bounded factor of the matching cost. */
  get states(): number {
    return this.accept + 1;
  }

  /** Whether the whole value matches the whole pattern. `counter.steps` grows by the work done. */
  matches(value: string, counter?: StepCounter): boolean {
    this.steps = 0;
    let i = 0;
    // The literal prefix (most patterns are `iot:Get*`, `sensor-*`, or no wildcard at all) needs no automaton.
    let s = 0;
    for (; s < this.prefix && i < value.length; s++) {
      const c = this.charAt(value, i);
      i += c > 0xffff ? 2 : 1;
      this.steps++;
      if (c !== this.chars[s]) break;
    }
    let result: boolean;
    if (s < this.prefix || s === this.accept || this.restIsRun) result = s === this.prefix && (this.restIsRun || i === value.length);
    else {
      const [current, next] = this.lists;
      this.run(value, i, value.length, current, this.enter(current, 0, s), next);
      // The last list built carries the current generation: the accepting state is on it exactly when stamped so.
      result = this.onList[this.accept] === this.generation;
    }
    if (counter) counter.steps += this.steps;
    return result;
  }

  /**
   * For each cut (ascending offsets into `value`, at character boundaries), whether `value.slice(0, cut) + suffix`
   * matches. One pass over `value` answers every cut, so asking about all prefixes of a value costs about as much
   * as one match, not one match per prefix.
   */
  matchesPrefixes(value: string, cuts: readonly number[], suffix: string, counter?: StepCounter): boolean[] {
    this.steps = 0;
    const results: boolean[] = [];
    const [current, next] = this.lists;
    const [sideA, sideB] = (this.sideLists ??= [new Int32Array(this.accept + 1), new Int32Array(this.accept + 1)]);
    let lists = [current, next] as const;
    let length = this.enter(current, 0, 0);
    let from = 0;
    for (const cut of cuts) {
      if (cut > from) {
        const packed = this.run(value, from, cut, lists[0], length, lists[1]);
        if (packed % 2 === 1) lists = [lists[1], lists[0]];
        length = packed >> 1;
        from = cut;
      }
      // Continue a copy of the current states through the suffix, leaving the main pass as it was.
      sideA.set(lists[0].subarray(0, length));
      this.steps += length;
      const side = this.run(suffix, 0, suffix.length, sideA, length, sideB);
      results.push(this.accepts(side % 2 === 0 ? sideA : sideB, side >> 1));
    }
    if (counter) counter.steps += this.steps;
    return results;
  }

  /** The character at offset i: a code point, or a (case-canonical) code unit. */
  private charAt(value: string, i: number): number {
    if (this.byCodePoint) return value.codePointAt(i)!;
    const c = value.charCodeAt(i);
    return this.ignoreCase ? canonicalize(c) : c;
  }

  /**
   * Feeds `value[from, to)` to the states on `a` (`length` of them), alternating between lists `a` and `b`. Returns
   * the final number of states times two, plus one when they ended on `b`.
   */
  private run(value: string, from: number, to: number, a: Int32Array, length: number, b: Int32Array): number {
    const kinds = this.kinds;
    const chars = this.chars;
    const accept = this.accept;
    let current = a;
    let next = b;
    let onB = 0;
    for (let i = from; i < to && length > 0; ) {
      const c = this.charAt(value, i);
      i += c > 0xffff ? 2 : 1;
      this.newGeneration();
      let nextLength = 0;
      for (let j = 0; j < length; j++) {
        const s = current[j]!;
        this.steps++;
        if (s === accept) continue;
        switch (kinds[s]) {
          case LITERAL:
            if (c === chars[s]) nextLength = this.add(next, nextLength, s + 1);
            break;
          case ONE:
            nextLength = this.add(next, nextLength, s + 1);
            break;
          case NOT_SLASH:
            if (c !== SLASH) nextLength = this.add(next, nextLength, s + 1);
            break;
          case RUN:
            nextLength = this.add(next, nextLength, s);
            break;
          case RUN_NOT_SLASH:
            if (c !== SLASH) nextLength = this.add(next, nextLength, s);
            break;
        }
      }
      const swap = current;
      current = next;
      next = swap;
      length = nextLength;
      onB ^= 1;
    }
    return length * 2 + onB;
  }

  /** Starts a new list with state `s` (and what it reaches without consuming); returns the list's length. */
  private enter(list: Int32Array, length: number, s: number): number {
    this.newGeneration();
    return this.add(list, length, s);
  }

  /** A new stamp for the list about to be built. */
  private newGeneration(): void {
    // Stamps stay small integers: when they grow large, restart them (safe here, as the new list is still empty).
    if (++this.generation > 0x3fffffff) {
      this.onList.fill(0);
      this.generation = 1;
    }
  }

  /** Puts state `s` on the list being built, with every state reachable from it past skippable runs. */
  private add(list: Int32Array, length: number, s: number): number {
    const onList = this.onList;
    const generation = this.generation;
    while (onList[s] !== generation) {
      onList[s] = generation;
      list[length++] = s;
      const k = this.kinds[s];
      if (s === this.accept || (k !== RUN && k !== RUN_NOT_SLASH)) break;
      s++;
    }
    return length;
  }

  /** Whether the accepting state is on the list (a scan: the list may be a copy, without stamps of its own). */
  private accepts(list: Int32Array, length: number): boolean {
    this.steps += length;
    for (let j = 0; j < length; j++) if (list[j] === this.accept) return true;
    return false;
  }

  private *characters(text: string): Iterable<number> {
    if (this.byCodePoint) for (const ch of text) yield ch.codePointAt(0)!;
    else for (let i = 0; i < text.length; i++) yield text.charCodeAt(i);
  }
}

/** The plain `*` / `?` glob syntax, every other character literal (action patterns of IoT and IAM policies). */
export function simpleGlobTokens(pattern: string): GlobToken[] {
  const tokens: GlobToken[] = [];
  let text = '';
  for (const c of pattern) {
    if (c !== '*' && c !== '?') {
      text += c;
      continue;
    }
    if (text !== '') tokens.push({ kind: 'literal', text });
    text = '';
    tokens.push({ kind: c === '*' ? 'run' : 'one' });
  }
  if (text !== '') tokens.push({ kind: 'literal', text });
  return tokens;
}

/**
 * A cache of compiled globs by a caller-chosen key, for patterns matched again and again (the policy analyser matches
 * each action pattern against a dozen actions). Bounded by the total number of states it holds (about 20 bytes
 * each), so patterns from user input cannot grow it without limit: when full, it starts over.
 */
export class GlobCache {
  private readonly globs = new Map<string, Glob>();
  private states = 0;
  constructor(private readonly maxStates = 250_000) {}

  get(key: string): Glob | undefined {
    return this.globs.get(key);
  }

  set(key: string, glob: Glob): Glob {
    if (this.states + glob.states > this.maxStates) {
      this.globs.clear();
      this.states = 0;
    }
    this.globs.set(key, glob);
    this.states += glob.states;
    return glob;
  }
}
