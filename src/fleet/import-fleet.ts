// Loads a fleet document into the caller's account and region (docs/fleet-format.md). The caller runs it inside ONE
// store transaction, so a fleet is loaded whole or not at all. Each entry becomes the AWS IoT operations a person would
// call (CreateThing, AddThingToThingGroup, RegisterCertificate, AttachPolicy, …) through their own handlers, and any
// error they raise is re-raised with the same exception name, prefixed with the entry that caused it
// ("things[3] (thingName sensor-7): …"). Work is linear in the size of the document: one pass per section, with
// per-entry lookups by key (plus one create and delete per version id a policy's versions skip, at most
// MAX_SKIPPED_VERSION_IDS in all).
import type { RequestContext } from '../registry/context.js';
import { ApiError, alreadyExists, invalidRequest } from '../kernel/errors.js';
import { parseCertificate } from '../registry/x509.js';
import { registerCACertificate } from '../registry/ca-certificates.js';
import type { RegisterCACertificateInput } from '../model/types.generated.js';
import { callIfFound, callOperation, validatedInput } from './api-calls.js';
import { SECTIONS, entryLabel, policyVersionPlan, type FleetDocument, type FleetThingGroup, type Tag } from './fleet-document.js';

/** What to do with an entry whose resource already exists: fail naming it (default), or leave it as it is. */
export type OnExisting = 'fail' | 'skip';

export type SectionCounts = Record<string, number>;

export interface ImportSummary {
  created: SectionCounts;
  skipped: SectionCounts;
}

/** Runs `work`; an ApiError it throws is re-thrown with the entry's label in front of its message. */
async function forEntry<T>(label: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ApiError) throw new ApiError(err.code, `${label}: ${err.message}`, err.fields);
    throw err;
  }
}

const tagsOf = (tags: Tag[] | undefined) => (tags && tags.length > 0 ? { tags } : {});

class FleetImport {
  readonly summary: ImportSummary = { created: {}, skipped: {} };
  /** CA certificate id → PEM, for the certificates of this fleet that name their CA by id. */
  private readonly caPems = new Map<string, string>();

  constructor(
    private readonly ctx: RequestContext,
    private readonly onExisting: OnExisting,
  ) {}

  private count(kind: 'created' | 'skipped', section: string): void {
    this.summary[kind][section] = (this.summary[kind][section] ?? 0) + 1;
  }

  /** True when the entry's resource exists and is to be skipped; throws when it exists and skipping is off. */
  private async exists(section: string, what: string, id: string, found: boolean): Promise<boolean> {
    if (!found) return false;
    if (this.onExisting === 'skip') {
      this.count('skipped', section);
      return true;
    }
    throw alreadyExists(`${what} ${id} already exists in account ${this.ctx.accountId} (${this.ctx.region}); import with --skip-existing to keep it as it is`, id);
  }

  async run(fleet: FleetDocument): Promise<ImportSummary> {
    // Order: what later entries refer to comes first (types and groups before things, policies, CAs and things before
    // certificates).
    await this.each(fleet, 'policies', (p) => this.policy(p));
    await this.each(fleet, 'thingTypes', (t) => this.thingType(t));
    await this.thingGroups(fleet.thingGroups ?? []);
    await this.each(fleet, 'caCertificates', (c) => this.caCertificate(c));
    await this.each(fleet, 'things', (t) => this.thing(t));
    await this.each(fleet, 'certificates', (c) => this.certificate(c));
    if (fleet.auditConfiguration) await forEntry('auditConfiguration', () => this.auditConfiguration(fleet.auditConfiguration!));
    await this.each(fleet, 'mitigationActions', (m) => this.mitigationAction(m));
    return this.summary;
  }

  private async each<S extends keyof typeof SECTIONS>(fleet: FleetDocument, section: S, work: (entry: NonNullable<FleetDocument[S]>[number]) => Promise<void>) {
    const entries = (fleet[section] ?? []) as NonNullable<FleetDocument[S]>[number][];
    for (let i = 0; i < entries.length; i++) await forEntry(entryLabel(section, i, entries[i], SECTIONS[section].nameField), () => work(entries[i]!));
  }

  /**
   * CreatePolicy, then CreatePolicyVersion for each further version, oldest first, and SetDefaultPolicyVersion. ddlocal
   * hands out version ids in order, so listing versions in order gives them their ids again; an id the policy had
   * deleted (a gap) is used up by a version created and deleted at once, so the ids after it are the same too. The
   * policy never has more than max(2, versions listed) versions at a time, so the API's limit of five holds as it did
   * for the original policy.
   */
  private async policy(p: NonNullable<FleetDocument['policies']>[number]) {
    const found = await callIfFound(this.ctx, 'GetPolicy', { policyName: p.policyName });
    if (await this.exists('policies', 'Policy', p.policyName, found !== undefined)) return;
    const text = (document: string | Record<string, unknown>) => (typeof document === 'string' ? document : JSON.stringify(document));
    const versions = p.versions ?? [{ policyDocument: p.policyDocument!, isDefaultVersion: true }];
    const { ids, defaultIndex } = policyVersionPlan('versions', versions); // checked with the document already
    const { policyName } = p;
    const create = async (policyDocument: string, setAsDefault: boolean) =>
      Number((await callOperation(this.ctx, 'CreatePolicyVersion', { policyName, policyDocument, setAsDefault })).policyVersionId);
    const remove = (id: number) => callOperation(this.ctx, 'DeletePolicyVersion', { policyName, policyVersionId: String(id) });
    // Version 1 comes with the policy. When the first version's id is greater, version 1 only uses up an id: it stays
    // the default until the first version is created, then goes.
    await callOperation(this.ctx, 'CreatePolicy', { policyName, policyDocument: text(versions[0]!.policyDocument), ...tagsOf(p.tags) });
    let last = 1;
    let placeholder: number | undefined = ids[0] === 1 ? undefined : 1;
    for (let i = placeholder === undefined ? 1 : 0; i < versions.length; i++) {
      const document = text(versions[i]!.policyDocument);
      while (last + 1 < ids[i]!) {
        last = await create(document, false);
        await remove(last);
      }
      last = await create(document, placeholder !== undefined);
      if (placeholder !== undefined) await remove(placeholder);
      placeholder = undefined;
    }
    if (defaultIndex !== 0) await callOperation(this.ctx, 'SetDefaultPolicyVersion', { policyName, policyVersionId: String(ids[defaultIndex]) });
    this.count('created', 'policies');
  }

  private async thingType(t: NonNullable<FleetDocument['thingTypes']>[number]) {
    const found = await callIfFound(this.ctx, 'DescribeThingType', { thingTypeName: t.thingTypeName });
    if (await this.exists('thingTypes', 'Thing type', t.thingTypeName, found !== undefined)) return;
    const properties = {
      ...(t.thingTypeDescription !== undefined ? { thingTypeDescription: t.thingTypeDescription } : {}),
      ...(t.searchableAttributes !== undefined ? { searchableAttributes: t.searchableAttributes } : {}),
    };
    await callOperation(this.ctx, 'CreateThingType', {
      thingTypeName: t.thingTypeName,
      ...(Object.keys(properties).length > 0 ? { thingTypeProperties: properties } : {}),
      ...tagsOf(t.tags),
    });
    this.count('created', 'thingTypes');
  }

  /**
   * Groups are created parents first, whatever their order in the document: each group waits for its parent when
   * the parent is in the fleet. Every group is visited once (a walk with memo), so this stays linear; a cycle of
   * parents is reported rather than followed.
   */
  private async thingGroups(groups: FleetThingGroup[]) {
    const byName = new Map<string, number>();
    groups.forEach((g, i) => {
      if (byName.has(g.thingGroupName)) throw invalidRequest(`${entryLabel('thingGroups', i, g, 'thingGroupName')}: the fleet lists this group twice`);
      byName.set(g.thingGroupName, i);
    });
    const state = new Map<number, 'visiting' | 'done'>();
    const visit = async (start: number): Promise<void> => {
      // Follow parents iteratively to the first one already handled (or outside the fleet), then create downwards.
      const chain: number[] = [];
      let index: number | undefined = start;
      while (index !== undefined && state.get(index) !== 'done') {
        if (state.get(index) === 'visiting')
          throw invalidRequest(`${entryLabel('thingGroups', index, groups[index], 'thingGroupName')}: its parentGroupName chain loops back to itself`);
        state.set(index, 'visiting');
        chain.push(index);
        const parent: string | undefined = groups[index]!.parentGroupName;
        index = parent === undefined ? undefined : byName.get(parent);
      }
      for (let k = chain.length - 1; k >= 0; k--) {
        const i = chain[k]!;
        await forEntry(entryLabel('thingGroups', i, groups[i], 'thingGroupName'), () => this.thingGroup(groups[i]!));
        state.set(i, 'done');
      }
    };
    for (let i = 0; i < groups.length; i++) await visit(i);
  }

  private async thingGroup(g: FleetThingGroup) {
    const found = await callIfFound(this.ctx, 'DescribeThingGroup', { thingGroupName: g.thingGroupName });
    if (await this.exists('thingGroups', 'Thing group', g.thingGroupName, found !== undefined)) return;
    const properties = {
      ...(g.thingGroupDescription !== undefined ? { thingGroupDescription: g.thingGroupDescription } : {}),
      ...(g.attributes !== undefined ? { attributePayload: { attributes: g.attributes } } : {}),
    };
    const common = { thingGroupName: g.thingGroupName, ...(Object.keys(properties).length > 0 ? { thingGroupProperties: properties } : {}), ...tagsOf(g.tags) };
    let created: Record<string, any>;
    if (g.queryString !== undefined) {
      if (g.parentGroupName !== undefined) throw invalidRequest('a dynamic thing group (queryString) cannot have a parentGroupName');
      created = await callOperation(this.ctx, 'CreateDynamicThingGroup', { ...common, queryString: g.queryString });
    } else {
      created = await callOperation(this.ctx, 'CreateThingGroup', { ...common, ...(g.parentGroupName !== undefined ? { parentGroupName: g.parentGroupName } : {}) });
    }
    for (const policyName of g.policies ?? []) await callOperation(this.ctx, 'AttachPolicy', { policyName, target: created.thingGroupArn as string });
    this.count('created', 'thingGroups');
  }

  private async caCertificate(c: NonNullable<FleetDocument['caCertificates']>[number]) {
    const id = parseCertificate(c.caCertificatePem, 'caCertificatePem').id;
    if (c.certificateId !== undefined && c.certificateId !== id)
      throw invalidRequest(`certificateId ${c.certificateId} is not the id of caCertificatePem (${id}); leave certificateId out or correct it`);
    if (c.status !== undefined && c.status !== 'ACTIVE' && c.status !== 'INACTIVE')
      throw invalidRequest(`status ${c.status} is not a CA certificate status a fleet can set; use ACTIVE or INACTIVE`);
    this.caPems.set(id, c.caCertificatePem);
    const found = await callIfFound(this.ctx, 'DescribeCACertificate', { certificateId: id });
    if (await this.exists('caCertificates', 'CA certificate', id, found !== undefined)) return;
    const input = validatedInput('RegisterCACertificate', {
      caCertificate: c.caCertificatePem,
      certificateMode: c.certificateMode ?? 'SNI_ONLY',
      setAsActive: (c.status ?? 'ACTIVE') === 'ACTIVE',
      allowAutoRegistration: c.allowAutoRegistration ?? false,
      ...(c.verificationCertificatePem !== undefined ? { verificationCertificate: c.verificationCertificatePem } : {}),
      ...(c.registrationConfig !== undefined ? { registrationConfig: c.registrationConfig } : {}),
      ...tagsOf(c.tags),
    });
    // A fleet file is the server operator's own input and carries no private keys, so a DEFAULT-mode CA is registered
    // without the proof of possession RegisterCACertificate asks of API callers (docs/decisions.md#x6). A
    // verification certificate the entry does bring is still checked.
    await registerCACertificate(input as unknown as RegisterCACertificateInput, this.ctx, { withoutProofOfPossession: true });
    this.count('created', 'caCertificates');
  }

  private async thing(t: NonNullable<FleetDocument['things']>[number]) {
    const found = await callIfFound(this.ctx, 'DescribeThing', { thingName: t.thingName });
    if (await this.exists('things', 'Thing', t.thingName, found !== undefined)) return;
    await callOperation(this.ctx, 'CreateThing', {
      thingName: t.thingName,
      ...(t.thingTypeName !== undefined ? { thingTypeName: t.thingTypeName } : {}),
      ...(t.attributes !== undefined ? { attributePayload: { attributes: t.attributes } } : {}),
    });
    for (const group of t.thingGroups ?? []) await callOperation(this.ctx, 'AddThingToThingGroup', { thingName: t.thingName, thingGroupName: group });
    this.count('created', 'things');
  }

  private async caPemFor(caCertificateId: string): Promise<string> {
    const inFleet = this.caPems.get(caCertificateId);
    if (inFleet !== undefined) return inFleet;
    const registered = await callIfFound(this.ctx, 'DescribeCACertificate', { certificateId: caCertificateId });
    const pem = registered?.certificateDescription?.certificatePem as string | undefined;
    if (pem === undefined)
      throw new ApiError('ResourceNotFoundException', `caCertificateId ${caCertificateId} is neither in the fleet's caCertificates nor registered in this account and region`);
    return pem;
  }

  private async certificate(c: NonNullable<FleetDocument['certificates']>[number]) {
    const id = parseCertificate(c.certificatePem, 'certificatePem').id;
    if (c.certificateId !== undefined && c.certificateId !== id)
      throw invalidRequest(`certificateId ${c.certificateId} is not the id of certificatePem (${id}); leave certificateId out or correct it`);
    const found = await callIfFound(this.ctx, 'DescribeCertificate', { certificateId: id });
    if (await this.exists('certificates', 'Certificate', id, found !== undefined)) return;
    const status = c.status !== undefined ? { status: c.status } : { status: 'ACTIVE' };
    const caPem = c.caCertificatePem ?? (c.caCertificateId !== undefined ? await this.caPemFor(c.caCertificateId) : undefined);
    const registered =
      caPem !== undefined
        ? await callOperation(this.ctx, 'RegisterCertificate', { certificatePem: c.certificatePem, caCertificatePem: caPem, ...status })
        : await callOperation(this.ctx, 'RegisterCertificateWithoutCA', { certificatePem: c.certificatePem, ...status });
    const arn = registered.certificateArn as string;
    for (const policyName of c.policies ?? []) await callOperation(this.ctx, 'AttachPolicy', { policyName, target: arn });
    for (const thingName of c.things ?? []) await callOperation(this.ctx, 'AttachThingPrincipal', { thingName, principal: arn });
    this.count('created', 'certificates');
  }

  private async auditConfiguration(a: NonNullable<FleetDocument['auditConfiguration']>) {
    await callOperation(this.ctx, 'UpdateAccountAuditConfiguration', { ...a });
    this.count('created', 'auditConfiguration');
  }

  private async mitigationAction(m: NonNullable<FleetDocument['mitigationActions']>[number]) {
    const found = await callIfFound(this.ctx, 'DescribeMitigationAction', { actionName: m.actionName });
    if (await this.exists('mitigationActions', 'Mitigation action', m.actionName, found !== undefined)) return;
    await callOperation(this.ctx, 'CreateMitigationAction', { actionName: m.actionName, roleArn: m.roleArn, actionParams: m.actionParams, ...tagsOf(m.tags) });
    this.count('created', 'mitigationActions');
  }
}

/** Applies the fleet in the context's transaction; throws (and so rolls the transaction back) on the first bad entry. */
export function importFleet(ctx: RequestContext, fleet: FleetDocument, onExisting: OnExisting): Promise<ImportSummary> {
  return new FleetImport(ctx, onExisting).run(fleet);
}
