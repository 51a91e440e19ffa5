// Word wrapping of the help pages' documentation text (docs.ts format: blank-line separated blocks, "* " list items).
// Greedy wrapping, one pass over the words: linear in the text.

/** Wraps one line of words to `width` columns, every line starting with `indent`; the first with `firstIndent`. */
export function wrapWords(words: string[], width: number, indent: string, firstIndent = indent): string[] {
  const lines: string[] = [];
  let line = firstIndent;
  let empty = true;
  for (const word of words) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent;
      empty = true;
    }
    line += (empty ? '' : ' ') + word;
    empty = false;
  }
  if (!empty) lines.push(line);
  return lines;
}

function words(text: string): string[] {
  return text.split(' ').filter((w) => w !== '');
}

/** A documentation text as wrapped lines at `indent`, blocks separated by an empty line. */
export function renderDoc(doc: string, indent: string, width: number): string[] {
  const out: string[] = [];
  for (const block of doc.split('\n\n')) {
    if (block.trim() === '') continue;
    if (out.length > 0) out.push('');
    const bullet = /^( *)\* /.exec(block);
    if (bullet) {
      const lead = indent + bullet[1]!;
      out.push(...wrapWords(words(block.slice(bullet[0].length)), width, `${lead}  `, `${lead}* `));
    } else {
      out.push(...wrapWords(words(block), width, indent));
    }
  }
  return out;
}
