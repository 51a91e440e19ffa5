#!/usr/bin/env node
// Generates src/model/iot-model.json: the facts of the AWS IoT API model (botocore service-2.json and
// paginators-1.json for iot 2015-05-28) that ddlocal needs — operations, HTTP bindings, shapes, constraints, errors,
// paginators — with every documentation string removed. Routing, validation, serialization, the CLI parser and the
// skeletons all read that one file; nothing in it is hand-written.
//
// Usage: node scripts/generate-model.mjs [--model-dir <dir holding service-2.json(.gz)>]
// Without --model-dir the botocore package of the local python3 is used (it ships with the AWS CLI v1 and boto3).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outFile = join(here, '..', 'src', 'model', 'iot-model.json');

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

const DROPPED_KEYS = new Set(['documentation', 'documentationUrl', 'examples', 'deprecatedMessage']);

function stripDocs(value) {
  if (Array.isArray(value)) return value.map(stripDocs);
  if (value && typeof value === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(value)) if (!DROPPED_KEYS.has(k)) out[k] = stripDocs(v);
    return out;
  }
  return value;
}

const dir = findModelDir();
const service = readJson(dir, 'service-2.json');
const paginators = readJson(dir, 'paginators-1.json').pagination ?? {};

const metadata = service.metadata;
const operations = {};
for (const [name, op] of Object.entries(service.operations)) {
  const entry = stripDocs(op);
  delete entry.name;
  if (paginators[name]) entry.paginator = paginators[name];
  operations[name] = entry;
}
const model = {
  metadata: {
    apiVersion: metadata.apiVersion,
    protocol: metadata.protocol,
    endpointPrefix: metadata.endpointPrefix,
    signingName: metadata.signingName,
    serviceId: metadata.serviceId,
  },
  source: { botocoreModelDir: 'botocore/data/iot/2015-05-28', operationCount: Object.keys(operations).length },
  operations,
  shapes: stripDocs(service.shapes),
};
writeFileSync(outFile, JSON.stringify(model) + '\n');
console.log(`wrote ${outFile}: ${Object.keys(operations).length} operations, ${Object.keys(model.shapes).length} shapes`);
