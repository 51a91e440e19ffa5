// The AWS IoT model's documentation as plain text, for the help pages. The text lives in src/model/iot-docs.json
// (scripts/generate-cli-help.mjs), apart from the model table, so that only `help` pays for loading it. Blocks are
// separated by a blank line; a block starting with "* " (after indentation) is a list item.
import { readFileSync } from 'node:fs';

interface DocsTable {
  service?: number;
  texts: string[];
  operations: Record<string, number>;
  shapes: Record<string, number>;
  /** `Shape$member` → text: the documentation on the member reference, which wins over the shape's own. */
  members: Record<string, number>;
}

let table: DocsTable | undefined;

function docs(): DocsTable {
  if (table) return table;
  try {
    table = JSON.parse(readFileSync(new URL('../../model/iot-docs.json', import.meta.url), 'utf8')) as DocsTable;
  } catch {
    // A build without the generated file still prints every page, only without descriptions.
    table = { texts: [], operations: {}, shapes: {}, members: {} };
  }
  return table;
}

function text(index: number | undefined): string {
  return index === undefined ? '' : docs().texts[index] ?? '';
}

export function serviceDoc(): string {
  return text(docs().service);
}

export function operationDoc(operationName: string): string {
  return text(docs().operations[operationName]);
}

/** The documentation of `member` of structure `owner`, falling back to that of its target shape (botocore's rule). */
export function memberDoc(owner: string, member: string, target: string): string {
  const own = docs().members[`${owner}$${member}`];
  return own !== undefined ? text(own) : shapeDoc(target);
}

export function shapeDoc(shapeName: string): string {
  return text(docs().shapes[shapeName]);
}

/** The first sentence of a text: up to the first ". " or the end of the first block. */
export function firstSentence(doc: string): string {
  const block = doc.split('\n\n', 1)[0] ?? '';
  const stop = block.indexOf('. ');
  return stop < 0 ? block : block.slice(0, stop + 1);
}
