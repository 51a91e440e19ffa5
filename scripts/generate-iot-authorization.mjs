#!/usr/bin/env node
// Keeps src/model/iot-authorization.json — which IAM action authorizes each AWS IoT operation, on which resource
// types, with which condition keys — in one canonical form and consistent with the AWS IoT model. The facts are
// written by hand from AWS's Service Authorization Reference (docs/authorization-table.md says how); what can be
// derived from them is derived here, so a person edits each fact once:
// - every resource row gets the ARN template of its resource type from the table's `resourceTypes`;
// - every operation's `conditionKeys` is the union of its own keys and those of its resource rows;
// - `requestTagKeys` is the part of that union a request's `tags` input fills (aws:RequestTag/*, aws:TagKeys);
// - operations, resource types and keys are sorted, so a change shows as a small diff.
// It also checks the table against src/model/iot-model.json: one entry per model operation (an operation the
// reference does not list is kept with `"missing": true`), known resource types and condition keys, and input
// members named by the overrides that exist in the operation's input shape.
//
// Usage: node scripts/generate-iot-authorization.mjs            checks; exits 1 on a problem or a non-canonical file
//        node scripts/generate-iot-authorization.mjs --write    rewrites the file in canonical form (after checking)
// Needs no network and no build. test/iot-authorization.test.ts runs the same check.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const TABLE_FILE = fileURLToPath(new URL('../src/model/iot-authorization.json', import.meta.url));
export const MODEL_FILE = fileURLToPath(new URL('../src/model/iot-model.json', import.meta.url));

/** The condition keys a request's tags supply; the rest describe the resource or the service. */
export const REQUEST_TAG_KEYS = ['aws:RequestTag/${TagKey}', 'aws:TagKeys'];

const byName = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
const sortedUnique = (values) => [...new Set(values)].sort(byName);
const sortedObject = (object, mapValue = (v) => v) =>
  Object.fromEntries(Object.keys(object).sort(byName).map((key) => [key, mapValue(object[key], key)]));

/** The table in canonical form: derived fields recomputed, keys in a fixed order. Does not change its argument. */
export function normaliseTable(table) {
  const arnOf = (type) => table.resourceTypes[type]?.arn ?? '';
  const operation = (entry) => {
    const resources = (entry.resources ?? []).map((row) => ({
      type: row.type,
      arn: arnOf(row.type),
      required: row.required === true,
      conditionKeys: sortedUnique(row.conditionKeys ?? []),
    }));
    const conditionKeys = sortedUnique([...(entry.conditionKeys ?? []), ...resources.flatMap((r) => r.conditionKeys)]);
    return {
      action: entry.action,
      ...(entry.missing ? { missing: true } : {}),
      accessLevel: entry.accessLevel ?? [],
      resources,
      conditionKeys,
      requestTagKeys: conditionKeys.filter((key) => REQUEST_TAG_KEYS.includes(key)),
      ...(entry.additionalActions ? { additionalActions: entry.additionalActions } : {}),
      ...(entry.inputs ? { inputs: entry.inputs } : {}),
      ...(entry.contextKeys ? { contextKeys: entry.contextKeys } : {}),
    };
  };
  return {
    source: table.source,
    conditionKeyTypes: sortedObject(table.conditionKeyTypes),
    resourceTypes: sortedObject(table.resourceTypes, (t) => ({ arn: t.arn, conditionKeys: sortedUnique(t.conditionKeys ?? []) })),
    variableMembers: sortedObject(table.variableMembers ?? {}),
    operations: sortedObject(table.operations, operation),
  };
}

const inputMembers = (model, name) => {
  const input = model.operations[name]?.input;
  return input ? model.shapes[input.shape]?.members ?? {} : {};
};

/** What is wrong with the table against the model, one sentence per problem; empty when nothing is. */
export function tableProblems(table, model) {
  const problems = [];
  const keys = new Set(Object.keys(table.conditionKeyTypes ?? {}));
  const types = table.resourceTypes ?? {};
  for (const [type, { arn }] of Object.entries(types)) {
    if (!/^arn:\$\{Partition\}:iot:\$\{Region\}:\$\{Account\}:[a-z]+\/.+$/.test(arn ?? '')) {
      problems.push(`resource type ${type}: ARN template ${arn} is not an IoT ARN template`);
    }
  }
  for (const name of Object.keys(model.operations)) {
    if (!table.operations?.[name]) problems.push(`operation ${name} of the model has no entry (add it, or mark it "missing")`);
  }
  for (const [name, entry] of Object.entries(table.operations ?? {})) {
    if (!model.operations[name]) {
      problems.push(`operation ${name} is not in the AWS IoT model`);
      continue;
    }
    if (entry.action !== `iot:${name}`) problems.push(`operation ${name}: action ${entry.action} is not iot:${name}`);
    const members = inputMembers(model, name);
    for (const row of entry.resources ?? []) {
      if (!types[row.type]) problems.push(`operation ${name}: resource type ${row.type} is not in resourceTypes`);
      for (const key of row.conditionKeys ?? []) if (!keys.has(key)) problems.push(`operation ${name}: unknown condition key ${key}`);
    }
    for (const key of entry.conditionKeys ?? []) if (!keys.has(key)) problems.push(`operation ${name}: unknown condition key ${key}`);
    const inputs = entry.inputs ?? {};
    const named = [
      ...Object.values(inputs.variables ?? {}),
      ...(inputs.arnMembers ?? []),
      ...Object.values(inputs.nameLists ?? {}).flat(),
      ...Object.values(entry.contextKeys ?? {}).flatMap((source) => (source.member ? [source.member] : [])),
    ];
    for (const member of named) {
      if (!Object.hasOwn(members, member)) problems.push(`operation ${name}: input member ${member} is not in its input shape`);
    }
    for (const source of Object.values(entry.contextKeys ?? {})) {
      if (source.resourceType && !types[source.resourceType]) {
        problems.push(`operation ${name}: context key source ${source.resourceType} is not a resource type`);
      }
    }
  }
  return problems;
}

async function main() {
  const table = JSON.parse(readFileSync(TABLE_FILE, 'utf8'));
  const model = JSON.parse(readFileSync(MODEL_FILE, 'utf8'));
  const problems = tableProblems(table, model);
  for (const problem of problems) console.error(problem);
  if (problems.length > 0) process.exit(1);
  const canonical = `${JSON.stringify(normaliseTable(table), null, 2)}\n`;
  if (process.argv.includes('--write')) {
    writeFileSync(TABLE_FILE, canonical);
    console.log(`wrote ${TABLE_FILE} (${Object.keys(table.operations).length} operations)`);
  } else if (readFileSync(TABLE_FILE, 'utf8') !== canonical) {
    console.error(`${TABLE_FILE} is not in canonical form: run node scripts/generate-iot-authorization.mjs --write`);
    process.exit(1);
  } else {
    console.log(`${TABLE_FILE}: ${Object.keys(table.operations).length} operations, consistent with the model`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
