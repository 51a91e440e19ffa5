// Typed access to the generated AWS IoT model table (src/model/iot-model.json, produced by
// scripts/generate-model.mjs). Everything protocol-shaped in ddlocal — routing, request parsing, validation,
// serialization, the CLI — reads these facts instead of restating them.
import { readFileSync } from 'node:fs';

export type ShapeType =
  | 'structure'
  | 'list'
  | 'map'
  | 'string'
  | 'integer'
  | 'long'
  | 'boolean'
  | 'timestamp'
  | 'blob'
  | 'double'
  | 'float';

export type MemberLocation = 'uri' | 'querystring' | 'header' | 'headers' | 'statusCode';

export interface MemberRef {
  shape: string;
  location?: MemberLocation;
  locationName?: string;
  idempotencyToken?: boolean;
  deprecated?: boolean;
  box?: boolean;
  jsonvalue?: boolean;
}

export interface Shape {
  type: ShapeType;
  members?: Record<string, MemberRef>;
  required?: string[];
  member?: MemberRef;
  key?: MemberRef;
  value?: MemberRef;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  error?: { httpStatusCode: number; code?: string; senderFault?: boolean };
  exception?: boolean;
  fault?: boolean;
  timestampFormat?: string;
  sensitive?: boolean;
  payload?: string;
}

export interface Paginator {
  input_token: string | string[];
  output_token: string | string[];
  limit_key?: string;
  result_key: string | string[];
  more_results?: string;
}

export interface Operation {
  http: { method: string; requestUri: string; responseCode?: number };
  input?: { shape: string };
  output?: { shape: string };
  errors?: { shape: string }[];
  deprecated?: boolean;
  paginator?: Paginator;
}

export interface IotModel {
  metadata: { apiVersion: string; protocol: string; endpointPrefix: string; signingName: string; serviceId: string };
  operations: Record<string, Operation>;
  shapes: Record<string, Shape>;
}

export const MODEL: IotModel = JSON.parse(
  readFileSync(new URL('./iot-model.json', import.meta.url), 'utf8'),
) as IotModel;

export function shape(name: string): Shape {
  const found = MODEL.shapes[name];
  if (!found) throw new Error(`shape ${name} is not in the AWS IoT model`);
  return found;
}

export function operation(name: string): Operation {
  const found = MODEL.operations[name];
  if (!found) throw new Error(`operation ${name} is not in the AWS IoT model`);
  return found;
}

/** The input structure of an operation; operations without input get an empty structure. */
export function inputShape(op: Operation): Shape {
  return op.input ? shape(op.input.shape) : { type: 'structure', members: {} };
}

export function outputShape(op: Operation): Shape {
  return op.output ? shape(op.output.shape) : { type: 'structure', members: {} };
}

/** HTTP status of a modeled exception, or undefined when the name is not an error shape of the model. */
export function modeledErrorStatus(name: string): number | undefined {
  const s = MODEL.shapes[name];
  return s?.exception ? s.error?.httpStatusCode ?? 400 : undefined;
}
