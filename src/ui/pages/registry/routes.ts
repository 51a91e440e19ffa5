// The registry browser's addresses: a front page, and a list and a page per thing, thing group, certificate, CA
// certificate and policy, with a policy's version diff; and the forms that create a policy, create a version and set the default one.
// A name in the path is matched by its own strict pattern (percent escapes allowed, then decoded and checked again):
// anything else is a 404 page, never a call.
import { invalidRequest } from '../../../kernel/errors.js';
import type { PageRoutes, View } from '../../routes.js';
import type { DashboardContext } from '../../context.js';
import type { Html } from '../../html.js';
import { CERTIFICATE_ID, decodeName, GROUP_NAME, POLICY_NAME, segmentPattern, THING_NAME } from './shared.js';
import { registryIndexPage } from './index.js';
import { thingListPage, thingPage } from './things.js';
import { thingGroupListPage, thingGroupPage } from './thing-groups.js';
import { certificateListPage, certificatePage } from './certificates.js';
import { caCertificateListPage, caCertificatePage } from './ca-certificates.js';
import { policyListPage, policyPage } from './policies.js';
import { policyDiffPage } from './policy-diff.js';
import { policyPath, policyVersionPath } from './links.js';

const THING = new RegExp(`^/registry/things/${segmentPattern('a-zA-Z0-9:_-', 384)}$`);
const GROUP = new RegExp(`^/registry/thing-groups/${segmentPattern('a-zA-Z0-9:_-', 384)}$`);
const CERTIFICATE = /^\/registry\/certificates\/([0-9a-f]{64})$/;
const CA_CERTIFICATE = /^\/registry\/ca-certificates\/([0-9a-f]{64})$/;
const POLICY_SEGMENT = segmentPattern('\\w+=,.@-', 384);
const POLICY = new RegExp(`^/registry/policies/${POLICY_SEGMENT}$`);
const POLICY_DIFF = new RegExp(`^/registry/policies/${POLICY_SEGMENT}/diff$`);
const POLICY_VERSIONS = new RegExp(`^/registry/policies/${POLICY_SEGMENT}/versions$`);
const POLICY_DEFAULT = new RegExp(`^/registry/policies/${POLICY_SEGMENT}/default$`);

/** A registry view of one named resource: undefined (the dashboard's 404 page) when the name is not a valid one. */
function named(raw: string | undefined, pattern: RegExp, title: (name: string) => string, render: (ctx: DashboardContext, name: string) => Promise<Html>): View | undefined {
  const name = decodeName(raw, pattern);
  if (name === undefined) return undefined;
  return { title: title(name), section: 'registry', render: (ctx) => render(ctx, name) };
}

/** A policy name from a form's address; the pattern already matched, so only a bad escape is left to refuse. */
function postedPolicyName(raw: string | undefined): string {
  const name = decodeName(raw, POLICY_NAME);
  if (name === undefined) throw invalidRequest('The policy name in the form address is not a valid policy name');
  return name;
}

const list = (title: string, render: (ctx: DashboardContext, query: URLSearchParams) => Promise<Html>) => (_: string[], query: URLSearchParams): View => ({
  title,
  section: 'registry',
  render: (ctx) => render(ctx, query),
});

export const REGISTRY_ROUTES: PageRoutes = {
  views: [
    { path: /^\/registry\/?$/, view: () => ({ title: 'Registry', section: 'registry', render: (ctx) => registryIndexPage(ctx) }) },
    { path: /^\/registry\/things$/, view: list('Things', thingListPage) },
    { path: THING, view: ([raw]) => named(raw, THING_NAME, (n) => `Thing ${n}`, thingPage) },
    { path: /^\/registry\/thing-groups$/, view: list('Thing groups', thingGroupListPage) },
    { path: GROUP, view: ([raw], query) => named(raw, GROUP_NAME, (n) => `Thing group ${n}`, (ctx, n) => thingGroupPage(ctx, n, query)) },
    { path: /^\/registry\/certificates$/, view: list('Certificates', certificateListPage) },
    { path: CERTIFICATE, view: ([raw]) => named(raw, CERTIFICATE_ID, () => 'Certificate', certificatePage) },
    { path: /^\/registry\/ca-certificates$/, view: list('CA certificates', caCertificateListPage) },
    { path: CA_CERTIFICATE, view: ([raw]) => named(raw, CERTIFICATE_ID, () => 'CA certificate', caCertificatePage) },
    { path: /^\/registry\/policies$/, view: list('Policies', policyListPage) },
    { path: POLICY, view: ([raw], query) => named(raw, POLICY_NAME, (n) => `Policy ${n}`, (ctx, n) => policyPage(ctx, n, query)) },
    { path: POLICY_DIFF, view: ([raw], query) => named(raw, POLICY_NAME, (n) => `Policy ${n}: changes between versions`, (ctx, n) => policyDiffPage(ctx, n, query)) },
  ],
  actions: [
    {
      path: /^\/registry\/policies$/,
      act: async (ctx, fields) => {
        const out = await ctx.call('CreatePolicy', { policyName: fields.get('policyName') ?? '', policyDocument: fields.get('policyDocument') ?? '' });
        return policyPath(ctx, String(out.policyName));
      },
    },
    {
      path: POLICY_VERSIONS,
      act: async (ctx, fields, [raw]) => {
        const policyName = postedPolicyName(raw);
        const out = await ctx.call('CreatePolicyVersion', {
          policyName,
          policyDocument: fields.get('policyDocument') ?? '',
          setAsDefault: fields.get('setAsDefault') === 'true',
        });
        return policyVersionPath(ctx, policyName, String(out.policyVersionId));
      },
    },
    {
      path: POLICY_DEFAULT,
      act: async (ctx, fields, [raw]) => {
        const policyName = postedPolicyName(raw);
        await ctx.call('SetDefaultPolicyVersion', { policyName, policyVersionId: fields.get('policyVersionId') ?? '' });
        return policyPath(ctx, policyName);
      },
    },
  ],
};
