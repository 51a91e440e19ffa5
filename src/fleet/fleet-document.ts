// The fleet document (docs/fleet-format.md): the shape of what `ddlocal import` loads and `ddlocal export` writes.
// Only its structure is checked here — which sections and fields an entry may have and their JSON types — so that a
// misspelt field is reported instead of silently ignored; every rule about the values themselves (name patterns,
// lengths, limits, certificate contents) is left to the AWS IoT operations the import calls.
import { invalidRequest } from '../kernel/errors.js';

export interface Tag {
  Key: string;
  Value?: string;
}

export interface FleetThingType {
  thingTypeName: string;
  thingTypeDescription?: string;
  searchableAttributes?: string[];
  tags?: Tag[];
}

export interface FleetThingGroup {
  thingGroupName: string;
  parentGroupName?: string;
  thingGroupDescription?: string;
  attributes?: Record<string, string>;
  /** A dynamic thing group's fleet-indexing query. */
  queryString?: string;
  /** Policies attached to the group. */
  policies?: string[];
  tags?: Tag[];
}

export interface FleetThing {
  thingName: string;
  thingTypeName?: string;
  attributes?: Record<string, string>;
  /** Static thing groups the thing belongs to. */
  thingGroups?: string[];
}

/** One version of a policy with several (or with one whose id is not 1). */
export interface FleetPolicyVersion {
  /** The version's id; absent = the id after the previous entry's (1 for the first). */
  versionId?: string;
  policyDocument: string | Record<string, unknown>;
  isDefaultVersion?: boolean;
}

export interface FleetPolicy {
  policyName: string;
  /** The policy document of a policy with one version, 1: JSON text, or the JSON object itself. */
  policyDocument?: string | Record<string, unknown>;
  /** Instead of policyDocument: every version, oldest first, exactly one of them the default. */
  versions?: FleetPolicyVersion[];
  tags?: Tag[];
}

export interface FleetCaCertificate {
  certificateId?: string;
  caCertificatePem: string;
  status?: 'ACTIVE' | 'INACTIVE';
  allowAutoRegistration?: boolean;
  certificateMode?: 'DEFAULT' | 'SNI_ONLY';
  verificationCertificatePem?: string;
  registrationConfig?: Record<string, unknown>;
  tags?: Tag[];
}

export interface FleetCertificate {
  certificateId?: string;
  certificatePem: string;
  status?: string;
  /** The registered (or imported) CA certificate that issued it; without it the certificate is registered without a CA. */
  caCertificateId?: string;
  caCertificatePem?: string;
  /** Things the certificate is attached to as a principal. */
  things?: string[];
  /** Policies attached to the certificate. */
  policies?: string[];
}

export interface FleetMitigationAction {
  actionName: string;
  roleArn: string;
  actionParams: Record<string, unknown>;
  tags?: Tag[];
}

export interface FleetAuditConfiguration {
  roleArn?: string;
  auditNotificationTargetConfigurations?: Record<string, unknown>;
  auditCheckConfigurations?: Record<string, unknown>;
}

export interface FleetDocument {
  thingTypes?: FleetThingType[];
  thingGroups?: FleetThingGroup[];
  things?: FleetThing[];
  policies?: FleetPolicy[];
  caCertificates?: FleetCaCertificate[];
  certificates?: FleetCertificate[];
  auditConfiguration?: FleetAuditConfiguration;
  mitigationActions?: FleetMitigationAction[];
}

type FieldType = 'string' | 'boolean' | 'string[]' | 'string-map' | 'object' | 'tags' | 'string-or-object' | 'object[]';

interface SectionSpec {
  /** The field that names an entry in error messages ("things[3] (thingName sensor-7)"). */
  nameField?: string;
  required: string[];
  fields: Record<string, FieldType>;
}

const TAGGED: Record<string, FieldType> = { tags: 'tags' };

export const SECTIONS: Record<Exclude<keyof FleetDocument, 'auditConfiguration'>, SectionSpec> = {
  thingTypes: {
    nameField: 'thingTypeName',
    required: ['thingTypeName'],
    fields: { thingTypeName: 'string', thingTypeDescription: 'string', searchableAttributes: 'string[]', ...TAGGED },
  },
  thingGroups: {
    nameField: 'thingGroupName',
    required: ['thingGroupName'],
    fields: {
      thingGroupName: 'string',
      parentGroupName: 'string',
      thingGroupDescription: 'string',
      attributes: 'string-map',
      queryString: 'string',
      policies: 'string[]',
      ...TAGGED,
    },
  },
  things: {
    nameField: 'thingName',
    required: ['thingName'],
    fields: { thingName: 'string', thingTypeName: 'string', attributes: 'string-map', thingGroups: 'string[]' },
  },
  policies: {
    nameField: 'policyName',
    required: ['policyName'],
    // policyDocument or versions is required too (checkPolicyEntry).
    fields: { policyName: 'string', policyDocument: 'string-or-object', versions: 'object[]', ...TAGGED },
  },
  caCertificates: {
    nameField: 'certificateId',
    required: ['caCertificatePem'],
    fields: {
      certificateId: 'string',
      caCertificatePem: 'string',
      status: 'string',
      allowAutoRegistration: 'boolean',
      certificateMode: 'string',
      verificationCertificatePem: 'string',
      registrationConfig: 'object',
      ...TAGGED,
    },
  },
  certificates: {
    nameField: 'certificateId',
    required: ['certificatePem'],
    fields: {
      certificateId: 'string',
      certificatePem: 'string',
      status: 'string',
      caCertificateId: 'string',
      caCertificatePem: 'string',
      things: 'string[]',
      policies: 'string[]',
    },
  },
  mitigationActions: {
    nameField: 'actionName',
    required: ['actionName', 'roleArn', 'actionParams'],
    fields: { actionName: 'string', roleArn: 'string', actionParams: 'object', ...TAGGED },
  },
};

const AUDIT_CONFIGURATION: SectionSpec = {
  required: [],
  fields: { roleArn: 'string', auditNotificationTargetConfigurations: 'object', auditCheckConfigurations: 'object' },
};

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function fitsType(value: unknown, type: FieldType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'string[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'string-map':
      return isObject(value) && Object.values(value).every((v) => typeof v === 'string');
    case 'object':
      return isObject(value);
    case 'string-or-object':
      return typeof value === 'string' || isObject(value);
    case 'object[]':
      return Array.isArray(value) && value.every(isObject);
    case 'tags':
      return Array.isArray(value) && value.every((t) => isObject(t) && typeof t.Key === 'string' && (t.Value === undefined || typeof t.Value === 'string'));
  }
}

const TYPE_WORDS: Record<FieldType, string> = {
  string: 'a string',
  boolean: 'true or false',
  'string[]': 'a list of strings',
  'string-map': 'a map of string values',
  object: 'an object',
  'string-or-object': 'a string or an object',
  'object[]': 'a list of objects',
  tags: 'a list of {Key, Value} tags',
};

/** "things[3] (thingName sensor-7)": how errors name an entry. */
export function entryLabel(section: string, index: number, entry: unknown, nameField?: string): string {
  const name = nameField && isObject(entry) ? entry[nameField] : undefined;
  return typeof name === 'string' ? `${section}[${index}] (${nameField} ${name})` : `${section}[${index}]`;
}

function checkEntry(label: string, entry: unknown, spec: SectionSpec): void {
  if (!isObject(entry)) throw invalidRequest(`${label}: must be an object`);
  for (const [field, value] of Object.entries(entry)) {
    const type = Object.hasOwn(spec.fields, field) ? spec.fields[field] : undefined;
    if (type === undefined) {
      const hint = field.endsWith('File') ? ' (files are read by `ddlocal import`; send the PEM text itself)' : '';
      throw invalidRequest(`${label}: unknown field ${field}${hint}; known fields: ${Object.keys(spec.fields).join(', ')}`);
    }
    if (!fitsType(value, type)) throw invalidRequest(`${label}: ${field} must be ${TYPE_WORDS[type]}`);
  }
  for (const field of spec.required) if (entry[field] === undefined) throw invalidRequest(`${label}: ${field} is required`);
}

const POLICY_VERSION: SectionSpec = {
  required: ['policyDocument'],
  fields: { versionId: 'string', policyDocument: 'string-or-object', isDefaultVersion: 'boolean' },
};

/** What the import creates for a policy's versions: their ids, oldest first, and which one is the default. */
export interface PolicyVersionPlan {
  ids: number[];
  defaultIndex: number;
}

/**
 * How many version ids the versions of a fleet's policies may skip in all. The import uses up each skipped id with a
 * version it creates and deletes at once, so this bounds the work a small file can ask for.
 */
export const MAX_SKIPPED_VERSION_IDS = 1_000;

/**
 * The version ids a `versions` list asks for: each entry's versionId, or the one after the previous entry's (1 for
 * the first). Ids must increase, as ddlocal hands them out in order; exactly one entry is the default, which a list
 * of one entry may leave unsaid. Throws naming the first problem; `label` names the policy entry.
 */
export function policyVersionPlan(label: string, versions: FleetPolicyVersion[]): PolicyVersionPlan {
  if (versions.length === 0) throw invalidRequest(`${label}: versions must list at least one version`);
  const ids: number[] = [];
  for (const [i, v] of versions.entries()) {
    const previous = ids[i - 1] ?? 0;
    if (v.versionId === undefined) {
      ids.push(previous + 1);
      continue;
    }
    if (!/^[1-9][0-9]{0,8}$/.test(v.versionId)) throw invalidRequest(`${label}: versions[${i}]: versionId ${v.versionId} is not a policy version id (1, 2, …)`);
    const id = Number(v.versionId);
    if (id <= previous)
      throw invalidRequest(`${label}: versions[${i}]: versionId ${id} must be greater than ${previous}, the version before it; list versions oldest first`);
    ids.push(id);
  }
  const defaults = versions.flatMap((v, i) => (v.isDefaultVersion === true ? [i] : []));
  if (defaults.length > 1 || (defaults.length === 0 && versions.length > 1))
    throw invalidRequest(`${label}: exactly one of versions must have isDefaultVersion: true (found ${defaults.length})`);
  return { ids, defaultIndex: defaults[0] ?? 0 };
}

/** Checks a policy entry's document or versions; returns how many version ids its versions skip. */
function checkPolicyEntry(label: string, entry: Record<string, unknown>): number {
  if (entry.policyDocument !== undefined && entry.versions !== undefined)
    throw invalidRequest(`${label}: give policyDocument or versions, not both`);
  if (entry.policyDocument === undefined && entry.versions === undefined) throw invalidRequest(`${label}: policyDocument or versions is required`);
  if (entry.versions === undefined) return 0;
  const versions = entry.versions as unknown[];
  versions.forEach((v, i) => checkEntry(`${label}: versions[${i}]`, v, POLICY_VERSION));
  const { ids } = policyVersionPlan(label, versions as FleetPolicyVersion[]);
  return ids[ids.length - 1]! - ids.length;
}

/** Checks the structure of a fleet document (one pass over it) and returns it typed. */
export function checkFleetDocument(value: unknown): FleetDocument {
  if (!isObject(value)) throw invalidRequest('The fleet document must be an object with sections such as things, certificates, policies');
  for (const [section, entries] of Object.entries(value)) {
    if (section === 'auditConfiguration') {
      checkEntry('auditConfiguration', entries, AUDIT_CONFIGURATION);
      continue;
    }
    const spec = Object.hasOwn(SECTIONS, section) ? SECTIONS[section as keyof typeof SECTIONS] : undefined;
    if (!spec) throw invalidRequest(`Unknown fleet section ${section}; known sections: ${[...Object.keys(SECTIONS), 'auditConfiguration'].join(', ')}`);
    if (!Array.isArray(entries)) throw invalidRequest(`${section} must be a list`);
    entries.forEach((entry, index) => checkEntry(entryLabel(section, index, entry, spec.nameField), entry, spec));
  }
  // Each policy's document or versions, once every entry has the right fields.
  let skipped = 0;
  for (const [index, entry] of ((value.policies ?? []) as Record<string, unknown>[]).entries()) {
    const label = entryLabel('policies', index, entry, 'policyName');
    skipped += checkPolicyEntry(label, entry);
    if (skipped > MAX_SKIPPED_VERSION_IDS)
      throw invalidRequest(
        `${label}: the versionIds of the fleet's policies skip more than ${MAX_SKIPPED_VERSION_IDS} ids in all, which the import would use up one by one; renumber the versions`,
      );
  }
  return value as FleetDocument;
}
