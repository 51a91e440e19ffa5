// The skeletons round-trip (issue 5 acceptance): for every supported command, the JSON skeleton fed back through
// --cli-input-json and the yaml-input skeleton through --cli-input-yaml are read as the same input — both accepted with
// exactly the skeleton's values, or both refused with the same validation message — unfilled and filled in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { IMPLEMENTED_OPERATIONS } from '../src/cli/implemented-operations.js';
import { commandName } from '../src/cli/names.js';
import { inputSkeletonJson, inputSkeletonYaml } from '../src/cli/skeleton.js';
import { parseIotCommand } from '../src/cli/arguments.js';
import { CliError } from '../src/cli/args/errors.js';

const options = { cwd: process.cwd(), env: {} as NodeJS.ProcessEnv };

type Outcome = { ok: true; params: Record<string, unknown> } | { ok: false; rc: number; stderr: string };

function parse(command: string, flag: '--cli-input-json' | '--cli-input-yaml', document: string): Outcome {
  try {
    const parsed = parseIotCommand([command, flag, document], options);
    return { ok: true, params: parsed.params };
  } catch (err) {
    if (err instanceof CliError) return { ok: false, rc: err.rc, stderr: err.stderr };
    throw err;
  }
}

/** Every placeholder replaced by a plausible value: strings "x…", numbers 1; enums and timestamps kept. */
function fill(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => fill(v, key));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, k)]));
  if (value === '') return `x-${key || 'value'}`;
  if (value === 0) return 1;
  return value;
}

/** The same document as YAML, with timestamps as the yaml-input skeleton writes them (unquoted date-times). */
const asYaml = (document: unknown) => stringifyYaml(document).replace(/'(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})'/g, '$1 $2');

/**
 * Values compared as JSON, with every spelling of a whole-second UTC date-time (a Date, ISO text, YAML's
 * space-separated form) reduced to `YYYY-MM-DDTHH:MM:SS`.
 */
function normalise(params: Record<string, unknown>): unknown {
  const dateTime = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.000Z)?$/;
  return JSON.parse(JSON.stringify(params, (_k, v) => (typeof v === 'string' && dateTime.test(v) ? v.replace(dateTime, '$1T$2') : v)));
}

function assertSame(command: string, json: Outcome, yaml: Outcome, expected: unknown) {
  assert.equal(json.ok, yaml.ok, `${command}: JSON ${json.ok ? 'accepted' : 'refused'} but YAML ${yaml.ok ? 'accepted' : 'refused'}: ${JSON.stringify([json, yaml])}`);
  if (json.ok && yaml.ok) {
    const { clientRequestToken: _t1, ...jsonParams } = json.params;
    const { clientRequestToken: _t2, ...yamlParams } = yaml.params;
    assert.deepEqual(normalise(jsonParams), normalise(yamlParams), command);
    const { clientRequestToken: _t3, ...want } = expected as Record<string, unknown>;
    assert.deepEqual(normalise(jsonParams), normalise(want), `${command}: the params are the document's values`);
  } else if (!json.ok && !yaml.ok) {
    assert.equal(json.rc, 252, `${command}: ${json.stderr}`);
    assert.equal(json.stderr, yaml.stderr, command);
  }
}

test('every supported command: the JSON and yaml-input skeletons are read back as the same input', () => {
  let accepted = 0;
  for (const operation of IMPLEMENTED_OPERATIONS) {
    const command = commandName(operation);
    const json = inputSkeletonJson(operation);
    const yaml = inputSkeletonYaml(operation);
    assert.deepEqual(normalise(parseYaml(yaml) ?? {}), normalise(JSON.parse(json)), `${command}: the two skeletons hold the same values`);
    const a = parse(command, '--cli-input-json', json);
    const b = parse(command, '--cli-input-yaml', yaml);
    assertSame(command, a, b, JSON.parse(json));
    if (a.ok) accepted++;
  }
  assert.ok(accepted > 10, `only ${accepted} unfilled skeletons were accepted: the comparison would be mostly about errors`);
});

test('every supported command: a filled-in skeleton round-trips through --cli-input-json and --cli-input-yaml', () => {
  let accepted = 0;
  for (const operation of IMPLEMENTED_OPERATIONS) {
    const command = commandName(operation);
    const filled = fill(JSON.parse(inputSkeletonJson(operation)));
    const a = parse(command, '--cli-input-json', JSON.stringify(filled));
    const b = parse(command, '--cli-input-yaml', asYaml(filled));
    assertSame(command, a, b, filled);
    if (a.ok) accepted++;
  }
  assert.ok(accepted > IMPLEMENTED_OPERATIONS.length / 2, `only ${accepted} of ${IMPLEMENTED_OPERATIONS.length} filled skeletons were accepted`);
});
