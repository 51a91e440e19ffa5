// `--output text`: a port of awscli/text.py. Tab-separated lines: a dict prints its scalar values (sorted by key, or
// by the scalar keys common to its list) prefixed with the upper-cased key it hangs under, then recurses into its
// non-scalar members (sorted); lists of dicts share one column set; scalar lists print one `KEY\tvalue` line each.
import { isObject, pythonStr, sortedKeys, type OutObject, type OutValue } from './values.js';

export function renderText(value: OutValue): string {
  const out: string[] = [];
  formatText(value, out, undefined, undefined);
  return out.join('');
}

function formatText(item: OutValue, out: string[], identifier: string | undefined, scalarKeys: string[] | undefined): void {
  if (isObject(item)) formatDict(item, out, identifier, scalarKeys);
  else if (Array.isArray(item)) formatList(item, out, identifier);
  else out.push(pythonStr(item), '\n');
}

function formatList(item: OutValue[], out: string[], identifier: string | undefined): void {
  if (item.length === 0) return;
  if (item.some(isObject)) {
    const keys = allScalarKeys(item);
    for (const element of item) formatText(element, out, identifier, keys);
  } else if (item.some(Array.isArray)) {
    const scalars = item.filter((el) => !Array.isArray(el) && !isObject(el));
    const nonScalars = item.filter((el) => Array.isArray(el) || isObject(el));
    if (scalars.length > 0) formatScalarList(scalars, out, identifier);
    for (const nonScalar of nonScalars) formatText(nonScalar, out, identifier, undefined);
  } else {
    formatScalarList(item, out, identifier);
  }
}

function formatScalarList(elements: OutValue[], out: string[], identifier: string | undefined): void {
  if (identifier !== undefined) {
    for (const el of elements) out.push(`${identifier.toUpperCase()}\t${pythonStr(el)}\n`);
  } else {
    out.push(elements.map(pythonStr).join('\t'), '\n');
  }
}

function formatDict(item: OutObject, out: string[], identifier: string | undefined, scalarKeys: string[] | undefined): void {
  const scalars: string[] = [];
  const nonScalars: [string, OutValue][] = [];
  if (scalarKeys === undefined) {
    for (const key of sortedKeys(Object.keys(item))) {
      const value = item[key]!;
      if (Array.isArray(value) || isObject(value)) nonScalars.push([key, value]);
      else scalars.push(pythonStr(value));
    }
  } else {
    // Elements of a list of dicts: every element prints the union of the list's scalar keys ('' where missing).
    for (const key of scalarKeys) scalars.push(key in item ? pythonStr(item[key]) : '');
    const scalarSet = new Set(scalarKeys);
    for (const key of sortedKeys(Object.keys(item).filter((k) => !scalarSet.has(k)))) nonScalars.push([key, item[key]!]);
  }
  if (scalars.length > 0) {
    if (identifier !== undefined) scalars.unshift(identifier.toUpperCase());
    out.push(scalars.join('\t'), '\n');
  }
  for (const [key, value] of nonScalars) formatText(value, out, key, undefined);
}

function allScalarKeys(list: OutValue[]): string[] {
  const seen = new Set<string>();
  for (const item of list) {
    if (!isObject(item)) continue;
    for (const [key, value] of Object.entries(item)) if (!Array.isArray(value) && !isObject(value)) seen.add(key);
  }
  return sortedKeys(seen);
}
