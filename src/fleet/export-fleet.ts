// Writes the caller's registry as a fleet document (docs/fleet-format.md), the inverse of import-fleet.ts: importing
// the result into an empty account and exporting again gives the same document. Everything is read through the AWS
// IoT operations' own handlers (List*, then Describe*/Get* per item), in one transaction so that the document is one
// consistent snapshot. Sections are sorted by name (certificates by id) so that two exports of the same registry are
// byte for byte the same whatever order things were created in.
import type { RequestContext } from '../registry/context.js';
import { callOperation, listAll } from './api-calls.js';
import type {
  FleetAuditConfiguration,
  FleetCaCertificate,
  FleetCertificate,
  FleetDocument,
  FleetMitigationAction,
  FleetPolicy,
  FleetPolicyVersion,
  FleetThing,
  FleetThingGroup,
  FleetThingType,
  Tag,
} from './fleet-document.js';

const byKey = <T>(key: (item: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

/** Copies the members of `source` that are defined (the document leaves absent fields out rather than writing null). */
function defined<T extends object>(source: T): T {
  return Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== null)) as T;
}

const nonEmpty = (map: Record<string, string> | undefined) => (map && Object.keys(map).length > 0 ? map : undefined);

async function tagsOf(ctx: RequestContext, resourceArn: string): Promise<Tag[] | undefined> {
  const tags = (await listAll(ctx, 'ListTagsForResource', { resourceArn }, 'tags')) as Tag[];
  return tags.length > 0 ? tags.sort(byKey((t) => t.Key)) : undefined;
}

async function thingTypes(ctx: RequestContext): Promise<FleetThingType[]> {
  const types = await listAll(ctx, 'ListThingTypes', {}, 'thingTypes');
  const out: FleetThingType[] = [];
  for (const t of types) {
    const props = t.thingTypeProperties ?? {};
    out.push(
      defined({
        thingTypeName: t.thingTypeName,
        thingTypeDescription: props.thingTypeDescription,
        searchableAttributes: props.searchableAttributes?.length ? props.searchableAttributes : undefined,
        tags: await tagsOf(ctx, t.thingTypeArn),
      }),
    );
  }
  return out.sort(byKey((t) => t.thingTypeName));
}

async function thingGroups(ctx: RequestContext): Promise<{ groups: FleetThingGroup[]; dynamic: Set<string> }> {
  const listed = await listAll(ctx, 'ListThingGroups', {}, 'thingGroups');
  const groups: FleetThingGroup[] = [];
  const dynamic = new Set<string>();
  for (const { groupName } of listed) {
    const g = await callOperation(ctx, 'DescribeThingGroup', { thingGroupName: groupName });
    if (g.queryString !== undefined) dynamic.add(groupName);
    const props = g.thingGroupProperties ?? {};
    // The policies attached to the group itself (not those it inherits from its parents).
    const policies = (await listAll(ctx, 'ListAttachedPolicies', { target: g.thingGroupArn }, 'policies')).map((p) => p.policyName as string);
    groups.push(
      defined({
        thingGroupName: groupName,
        parentGroupName: g.thingGroupMetadata?.parentGroupName,
        thingGroupDescription: props.thingGroupDescription,
        attributes: nonEmpty(props.attributePayload?.attributes),
        queryString: g.queryString,
        policies: policies.length > 0 ? policies.sort() : undefined,
        tags: await tagsOf(ctx, g.thingGroupArn),
      }),
    );
  }
  return { groups: groups.sort(byKey((g) => g.thingGroupName)), dynamic };
}

async function things(ctx: RequestContext, dynamicGroups: Set<string>): Promise<FleetThing[]> {
  const listed = await listAll(ctx, 'ListThings', {}, 'things');
  const out: FleetThing[] = [];
  for (const t of listed) {
    const memberships = await listAll(ctx, 'ListThingGroupsForThing', { thingName: t.thingName }, 'thingGroups');
    // Membership of a dynamic group follows from its query; only static memberships are the fleet's to state.
    const staticGroups = memberships.map((m) => m.groupName as string).filter((name) => !dynamicGroups.has(name)).sort();
    out.push(
      defined({
        thingName: t.thingName,
        thingTypeName: t.thingTypeName,
        attributes: nonEmpty(t.attributes),
        thingGroups: staticGroups.length > 0 ? staticGroups : undefined,
      }),
    );
  }
  return out.sort(byKey((t) => t.thingName));
}

async function policies(ctx: RequestContext): Promise<FleetPolicy[]> {
  const listed = await listAll(ctx, 'ListPolicies', {}, 'policies');
  const out: FleetPolicy[] = [];
  for (const { policyName, policyArn } of listed) {
    const listedVersions = (await callOperation(ctx, 'ListPolicyVersions', { policyName })).policyVersions as { versionId: string; isDefaultVersion: boolean }[];
    const tags = await tagsOf(ctx, policyArn);
    // A policy whose only version is 1 — every policy never given a second version — keeps the short form.
    if (listedVersions.length === 1 && listedVersions[0]!.versionId === '1') {
      const p = await callOperation(ctx, 'GetPolicy', { policyName });
      out.push(defined({ policyName, policyDocument: p.policyDocument as string, tags }));
      continue;
    }
    const versions: FleetPolicyVersion[] = [];
    // Oldest first, so that the import creates them in order and they get the same ids.
    for (const { versionId, isDefaultVersion } of [...listedVersions].sort((a, b) => Number(a.versionId) - Number(b.versionId))) {
      const v = await callOperation(ctx, 'GetPolicyVersion', { policyName, policyVersionId: versionId });
      versions.push(defined({ versionId, policyDocument: v.policyDocument as string, isDefaultVersion: isDefaultVersion ? true : undefined }));
    }
    out.push(defined({ policyName, versions, tags }));
  }
  return out.sort(byKey((p) => p.policyName));
}

async function caCertificates(ctx: RequestContext): Promise<FleetCaCertificate[]> {
  const listed = await listAll(ctx, 'ListCACertificates', {}, 'certificates');
  const out: FleetCaCertificate[] = [];
  for (const { certificateId, certificateArn } of listed) {
    const ca = await callOperation(ctx, 'DescribeCACertificate', { certificateId });
    const d = ca.certificateDescription;
    out.push(
      defined({
        certificateId,
        status: d.status,
        certificateMode: d.certificateMode,
        allowAutoRegistration: d.autoRegistrationStatus === 'ENABLE',
        registrationConfig: ca.registrationConfig && Object.keys(ca.registrationConfig).length > 0 ? ca.registrationConfig : undefined,
        tags: await tagsOf(ctx, certificateArn),
        caCertificatePem: d.certificatePem,
      }),
    );
  }
  return out.sort(byKey((c) => c.certificateId!));
}

async function certificates(ctx: RequestContext): Promise<FleetCertificate[]> {
  const listed = await listAll(ctx, 'ListCertificates', {}, 'certificates');
  const out: FleetCertificate[] = [];
  for (const { certificateId, certificateArn } of listed) {
    const d = (await callOperation(ctx, 'DescribeCertificate', { certificateId })).certificateDescription;
    const attachedThings = (await listAll(ctx, 'ListPrincipalThings', { principal: certificateArn }, 'things')) as string[];
    const attachedPolicies = (await listAll(ctx, 'ListAttachedPolicies', { target: certificateArn }, 'policies')).map((p) => p.policyName as string);
    out.push(
      defined({
        certificateId,
        status: d.status,
        caCertificateId: d.caCertificateId,
        things: attachedThings.length > 0 ? attachedThings.sort() : undefined,
        policies: attachedPolicies.length > 0 ? attachedPolicies.sort() : undefined,
        certificatePem: d.certificatePem,
      }),
    );
  }
  return out.sort(byKey((c) => c.certificateId!));
}

async function auditConfiguration(ctx: RequestContext): Promise<FleetAuditConfiguration | undefined> {
  const a = await callOperation(ctx, 'DescribeAccountAuditConfiguration', {});
  if (a.roleArn === undefined) return undefined;
  // Checks that are off and carry no settings are what an unconfigured account has anyway.
  const checks = Object.fromEntries(
    Object.entries((a.auditCheckConfigurations ?? {}) as Record<string, { enabled?: boolean; configuration?: unknown }>)
      .filter(([, c]) => c.enabled === true || c.configuration !== undefined)
      .sort(([x], [y]) => (x < y ? -1 : 1))
      .map(([name, c]) => [name, defined({ enabled: c.enabled ?? false, configuration: c.configuration })]),
  );
  return defined({
    roleArn: a.roleArn,
    auditNotificationTargetConfigurations: a.auditNotificationTargetConfigurations,
    auditCheckConfigurations: Object.keys(checks).length > 0 ? checks : undefined,
  });
}

async function mitigationActions(ctx: RequestContext): Promise<FleetMitigationAction[]> {
  const listed = await listAll(ctx, 'ListMitigationActions', {}, 'actionIdentifiers');
  const out: FleetMitigationAction[] = [];
  for (const { actionName, actionArn } of listed) {
    const m = await callOperation(ctx, 'DescribeMitigationAction', { actionName });
    out.push(defined({ actionName, roleArn: m.roleArn, actionParams: m.actionParams, tags: await tagsOf(ctx, actionArn) }));
  }
  return out.sort(byKey((m) => m.actionName));
}

/** The registry of the context's account and region as a fleet document; empty sections are left out. */
export async function exportFleet(ctx: RequestContext): Promise<FleetDocument> {
  const groups = await thingGroups(ctx);
  const sections: FleetDocument = {
    thingTypes: await thingTypes(ctx),
    thingGroups: groups.groups,
    things: await things(ctx, groups.dynamic),
    policies: await policies(ctx),
    caCertificates: await caCertificates(ctx),
    certificates: await certificates(ctx),
    auditConfiguration: await auditConfiguration(ctx),
    mitigationActions: await mitigationActions(ctx),
  };
  return Object.fromEntries(
    Object.entries(sections).filter(([, value]) => value !== undefined && !(Array.isArray(value) && value.length === 0)),
  ) as FleetDocument;
}
