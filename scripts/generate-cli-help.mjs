#!/usr/bin/env node
// Generates src/model/iot-docs.json: the documentation strings of the AWS IoT model (botocore service-2.json for iot
// 2015-05-28), turned from the model's HTML into plain text, for the `ddlocal iot … help` pages (src/cli/help/).
// generate-model.mjs drops every documentation string so that the table the server loads stays small; the help pages
// are the only reader of the text, so it lives in its own file that only `help` loads.
//
// The text format is deliberately tiny: blocks separated by a blank line; a block starting with "* " is a list item
// (nested items are indented by two spaces per level); everything else is a paragraph. Code and links are kept as their
// text. Identical strings (AWS repeats "The token for the next set of results." hundreds of times) are stored once:
// every lookup maps to an index into `texts`.
//
// Usage: node scripts/generate-cli-help.mjs [--model-dir <dir holding service-2.json(.gz)>]
// Without --model-dir the botocore package of the local python3 is used (as scripts/generate-model.mjs does).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outFile = join(here, '..', 'src', 'model', 'iot-docs.json');

function findModelDir() {
  const flag = process.argv.indexOf('--model-dir');
  if (flag !== -1) return process.argv[flag + 1];
  const botocore = execFileSync('python3', ['-c', 'import botocore, os; print(os.path.dirname(botocore.__file__))'], {
    encoding: 'utf8',
  }).trim();
  return join(botocore, 'data', 'iot', '2015-05-28');
}

function readJson(dir, base) {
  const plain = join(dir, base);
  if (existsSync(plain)) return JSON.parse(readFileSync(plain, 'utf8'));
  if (existsSync(plain + '.gz')) return JSON.parse(gunzipSync(readFileSync(plain + '.gz')).toString('utf8'));
  throw new Error(`${base} not found in ${dir}`);
}

// ---------------------------------------------------------------------------------------------------------------
// HTML → text. One left-to-right pass: a tag runs from `<` to the next `>` (found with indexOf from the current
// position, so every character is looked at a bounded number of times); text between tags is appended to the current
// block with its whitespace collapsed. No regular expression ever sees the input.

const BLOCK_TAGS = new Set(['p', 'note', 'important', 'dl', 'dt', 'dd', 'br', 'div', 'pre', 'h1', 'h2', 'h3', 'h4', 'ul', 'ol']);
// The service's <fullname> repeats its name; aws's pages leave it out too.
const SKIPPED_TAGS = new Set(['fullname']);
const ENTITIES = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'", nbsp: ' ' };

function isSpace(c) {
  return c === ' ' || c === '\n' || c === '\t' || c === '\r' || c === '\f';
}

function decodeEntity(name) {
  if (name.startsWith('#x') || name.startsWith('#X')) {
    const n = Number.parseInt(name.slice(2), 16);
    return Number.isFinite(n) ? String.fromCodePoint(n) : undefined;
  }
  if (name.startsWith('#')) {
    const n = Number.parseInt(name.slice(1), 10);
    return Number.isFinite(n) ? String.fromCodePoint(n) : undefined;
  }
  return ENTITIES[name];
}

/** The tag's lower-case name and whether it closes (`</p>`); `<br/>` counts as opening. */
function parseTag(inner) {
  let i = 0;
  const closing = inner[0] === '/';
  if (closing) i = 1;
  let end = i;
  while (end < inner.length && !isSpace(inner[end]) && inner[end] !== '/') end++;
  return { name: inner.slice(i, end).toLowerCase(), closing };
}

export function htmlToText(html) {
  const blocks = [];
  let current = '';
  let pendingSpace = false;
  let listDepth = 0;
  let itemPrefix = '';
  let skipping = 0;
  // "Note:" / "Important:" goes in front of the first block of a <note> / <important>, as on aws's pages.
  let label = '';
  const flush = () => {
    let text = current.trim();
    if (text !== '' && label !== '') {
      text = `${label} ${text}`;
      label = '';
    }
    if (text !== '') blocks.push(itemPrefix + text);
    current = '';
    pendingSpace = false;
    itemPrefix = '';
  };
  const appendChar = (c) => {
    if (isSpace(c)) {
      pendingSpace = current !== '';
      return;
    }
    if (pendingSpace) current += ' ';
    pendingSpace = false;
    current += c;
  };
  // Once no `>` follows, no later `<` can start a tag either: remembering that keeps `<<<<…` linear.
  let tagsPossible = true;
  let i = 0;
  while (i < html.length) {
    const c = html[i];
    if (c === '<' && tagsPossible) {
      const close = html.indexOf('>', i + 1);
      if (close < 0) tagsPossible = false;
      if (close < 0) {
        appendChar(c);
        i++;
        continue;
      }
      const { name, closing } = parseTag(html.slice(i + 1, close));
      i = close + 1;
      if (SKIPPED_TAGS.has(name)) {
        skipping = Math.max(0, skipping + (closing ? -1 : 1));
        continue;
      }
      if (name === 'li') {
        flush();
        // Indentation stops growing after a few levels, so hostile nesting cannot make the output quadratic.
        if (!closing) itemPrefix = '  '.repeat(Math.min(4, Math.max(0, listDepth - 1))) + '* ';
        continue;
      }
      if (name === 'ul' || name === 'ol') listDepth = Math.max(0, listDepth + (closing ? -1 : 1));
      if (BLOCK_TAGS.has(name)) {
        // A paragraph inside a list item continues the item rather than starting an unmarked block.
        if (itemPrefix !== '' && (name === 'p' || name === 'br')) {
          pendingSpace = current !== '';
          continue;
        }
        flush();
        if (!closing && (name === 'note' || name === 'important')) label = name === 'note' ? 'Note:' : 'Important:';
        if (closing && (name === 'note' || name === 'important')) label = '';
      }
      continue;
    }
    if (skipping > 0) {
      i++;
      continue;
    }
    if (c === '&') {
      // Entity names are short: look for the `;` in the next few characters only (a bare `&` costs no scan).
      let semi = -1;
      for (let j = i + 1; j < Math.min(html.length, i + 12); j++) {
        if (html[j] === ';') {
          semi = j;
          break;
        }
      }
      if (semi > 0) {
        const decoded = decodeEntity(html.slice(i + 1, semi));
        if (decoded !== undefined) {
          appendChar(decoded);
          i = semi + 1;
          continue;
        }
      }
    }
    appendChar(c);
    i++;
  }
  flush();
  return blocks.join('\n\n');
}

// ---------------------------------------------------------------------------------------------------------------

export function generateDocs(service) {
  const texts = [];
  const indexOf = new Map();
  const store = (html) => {
    if (typeof html !== 'string') return undefined;
    const text = htmlToText(html);
    if (text === '') return undefined;
    let index = indexOf.get(text);
    if (index === undefined) {
      index = texts.length;
      texts.push(text);
      indexOf.set(text, index);
    }
    return index;
  };
  const operations = {};
  for (const [name, op] of Object.entries(service.operations)) {
    const index = store(op.documentation);
    if (index !== undefined) operations[name] = index;
  }
  // Shapes and members reachable from an operation's input or output: what an option or an output member can show.
  const shapes = {};
  const members = {};
  const seen = new Set();
  const visit = (shapeName) => {
    if (seen.has(shapeName)) return;
    seen.add(shapeName);
    const shape = service.shapes[shapeName];
    if (!shape) return;
    const index = store(shape.documentation);
    if (index !== undefined) shapes[shapeName] = index;
    for (const [member, ref] of Object.entries(shape.members ?? {})) {
      const memberIndex = store(ref.documentation);
      if (memberIndex !== undefined) members[`${shapeName}$${member}`] = memberIndex;
      visit(ref.shape);
    }
    for (const ref of [shape.member, shape.key, shape.value]) if (ref) visit(ref.shape);
  };
  for (const op of Object.values(service.operations)) {
    if (op.input) visit(op.input.shape);
    if (op.output) visit(op.output.shape);
  }
  return { service: store(service.documentation), texts, operations, shapes, members };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const service = readJson(findModelDir(), 'service-2.json');
  const docs = generateDocs(service);
  writeFileSync(outFile, JSON.stringify(docs) + '\n');
  console.log(`wrote ${outFile}: ${docs.texts.length} distinct texts for ${Object.keys(docs.operations).length} operations`);
}
