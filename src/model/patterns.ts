// The model's `pattern` constraints are Java regular expressions. This translates the constructs JavaScript reads
// differently (POSIX-style \p{…} classes) and compiles each pattern once, anchored, because the model's pattern must
// match the whole value.
const POSIX_CLASSES: Record<string, string> = {
  Graph: '!-~',
  Print: ' -~',
  Upper: 'A-Z',
  Lower: 'a-z',
  Alpha: 'A-Za-z',
  Digit: '0-9',
  Alnum: 'A-Za-z0-9',
  Punct: '!-/:-@\\[-`{-~',
  Space: ' \\t\\n\\x0B\\f\\r',
  Cntrl: '\\x00-\\x1F\\x7F',
  XDigit: '0-9a-fA-F',
};

export function translateJavaPattern(pattern: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const rest = pattern.slice(i);
      const posix = /^\\p\{(\w+)\}/.exec(rest);
      if (posix && POSIX_CLASSES[posix[1]!]) {
        const body = POSIX_CLASSES[posix[1]!]!;
        out += inClass ? body : `[${body}]`;
        i += posix[0].length - 1;
        continue;
      }
      // \w in Java is ASCII, as in JavaScript; keep every other escape verbatim.
      out += pattern.slice(i, i + 2);
      i++;
      continue;
    }
    if (c === '[' && !inClass) inClass = true;
    else if (c === ']' && inClass) inClass = false;
    out += c;
  }
  return out;
}

const compiled = new Map<string, RegExp>();

export function patternMatches(pattern: string, value: string): boolean {
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(`^(?:${translateJavaPattern(pattern)})$`, 'u');
    compiled.set(pattern, re);
  }
  return re.test(value);
}
