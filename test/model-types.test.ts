// src/model/types.generated.ts is generated from src/model/iot-model.json by scripts/generate-model-types.mjs and
// committed. This re-runs the generator in memory and fails when the committed file is not what it would write
// (after the model was regenerated, or the file edited by hand): run `node scripts/generate-model-types.mjs`.
// The `@ts-expect-error` lines below are checked by the build: each must fail to compile, or tsc reports it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { alreadyExists, deleteConflict, invalidRequest, limitExceeded, notFound, versionConflict } from '../src/kernel/errors.js';
import { modeledErrorStatus } from '../src/model/model.js';
import { modeledError } from '../src/model/modeled-error.js';
import type { HandlerTable } from '../src/registry/context.js';

const GENERATOR = new URL('../../scripts/generate-model-types.mjs', import.meta.url);

interface Generator {
  MODEL_FILE: string;
  TYPES_FILE: string;
  generateModelTypes(model: unknown): string;
}

test('the committed model types are what the generator writes from iot-model.json', async () => {
  const { MODEL_FILE, TYPES_FILE, generateModelTypes } = (await import(GENERATOR.href)) as Generator;
  const expected = generateModelTypes(JSON.parse(readFileSync(MODEL_FILE, 'utf8')));
  const committed = readFileSync(TYPES_FILE, 'utf8');
  assert.ok(committed === expected, `${TYPES_FILE} is out of date: run node scripts/generate-model-types.mjs`);
});

test('the generator types inputs as the validator delivers them and outputs as the serializer accepts them', async () => {
  const { generateModelTypes } = (await import(GENERATOR.href)) as Generator;
  const text = generateModelTypes({
    operations: {
      PutWidget: {
        http: { method: 'PUT', requestUri: '/w' },
        input: { shape: 'PutWidgetRequest' },
        output: { shape: 'PutWidgetResponse' },
      },
      Ping: { http: { method: 'GET', requestUri: '/ping' } },
    },
    shapes: {
      PutWidgetRequest: {
        type: 'structure',
        required: ['name'],
        members: { name: { shape: 'Name', location: 'uri' }, widget: { shape: 'Widget' }, labels: { shape: 'Labels' } },
      },
      PutWidgetResponse: { type: 'structure', members: { widget: { shape: 'Widget' }, count: { shape: 'Count' } } },
      Widget: { type: 'structure', members: { color: { shape: 'Color' }, made: { shape: 'Stamp' }, bytes: { shape: 'Bytes' } } },
      Labels: { type: 'map', key: { shape: 'Color' }, value: { shape: 'Names' } },
      Names: { type: 'list', member: { shape: 'Name' } },
      Name: { type: 'string' },
      Color: { type: 'string', enum: ['RED', 'GREEN'] },
      Count: { type: 'long' },
      Stamp: { type: 'timestamp' },
      Bytes: { type: 'blob' },
      WidgetGoneException: { type: 'structure', members: {}, exception: true, error: { httpStatusCode: 410 } },
    },
  });
  const declaration = (name: string) =>
    new RegExp(`^export (?:interface ${name} \\{[^]*?^\\}|type ${name} = .*;)$`, 'm').exec(text)?.[0];
  assert.equal(
    declaration('PutWidgetInput'),
    'export interface PutWidgetInput {\n  name: string;\n  widget?: WidgetInput;\n  labels?: Partial<Record<Color, string[]>>;\n}',
  );
  assert.equal(declaration('PutWidgetOutput'), 'export interface PutWidgetOutput {\n  widget?: WidgetOutput;\n  count?: number;\n}');
  // A structure holding a timestamp or blob has an input and an output form.
  assert.equal(
    declaration('WidgetInput'),
    'export interface WidgetInput {\n  color?: Color;\n  made?: InputTimestamp;\n  bytes?: InputBlob;\n}',
  );
  assert.equal(
    declaration('WidgetOutput'),
    'export interface WidgetOutput {\n  color?: Color;\n  made?: OutputTimestamp;\n  bytes?: OutputBlob;\n}',
  );
  assert.equal(declaration('Color'), "export type Color = 'RED' | 'GREEN';");
  // No input or output shape: nothing may be passed or returned.
  assert.equal(declaration('PingInput'), 'export type PingInput = Record<string, never>;');
  assert.equal(declaration('PingOutput'), 'export type PingOutput = Record<string, never>;');
  assert.equal(declaration('ModeledErrorCode'), "export type ModeledErrorCode = 'WidgetGoneException';");
  assert.match(text, /^ {2}PutWidget: \{ input: PutWidgetInput; output: PutWidgetOutput \};$/m);
});

test('a handler must take and return what the model gives its operation', () => {
  const handlers: HandlerTable = {
    // @ts-expect-error CreateThing's input has no member thingNme
    CreateThing: async (input) => ({ thingName: input.thingNme }),
    // @ts-expect-error DescribeThing's output has no member bogus
    DescribeThing: async () => ({ bogus: 1 }),
    // @ts-expect-error DeleteThing returns no members
    DeleteThing: async () => ({ thingName: 'a' }),
    // @ts-expect-error thingName is a string in UpdateThing's input
    UpdateThing: async (_input: { thingName: number }) => ({}),
  };
  assert.equal(Object.keys(handlers).length, 4);
});

test('errors are named after exceptions of the model', () => {
  const kernelShortcuts = [
    invalidRequest('m'),
    notFound('m'),
    alreadyExists('m', 'id'),
    limitExceeded('m'),
    versionConflict('m'),
    deleteConflict('m'),
  ];
  // The kernel may not see the model, so its shortcuts are checked here rather than by the compiler.
  for (const err of kernelShortcuts) assert.notEqual(modeledErrorStatus(err.code), undefined, `${err.code} is not modeled`);
  assert.equal(modeledErrorStatus(modeledError('CertificateStateException', 'm').code), 406);
  // @ts-expect-error a misspelt exception name does not compile
  assert.equal(modeledErrorStatus(modeledError('ResourceNotFoundExeption', 'm').code), undefined);
});
