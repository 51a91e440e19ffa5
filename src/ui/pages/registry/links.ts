// Addresses of the registry browser's pages, for any page that names a thing, group, certificate or policy. Names are
// percent-encoded in the path (a policy name may hold `+`, `=`, `,`, `@`), and the routes decode them.
import { html, type Html } from '../../html.js';
import type { DashboardContext } from '../../context.js';

type Base = Pick<DashboardContext, 'base'>;

const segment = (value: string) => encodeURIComponent(value);

export const registryPath = (ctx: Base) => `${ctx.base}/registry`;
export const thingPath = (ctx: Base, thingName: string) => `${ctx.base}/registry/things/${segment(thingName)}`;
export const thingGroupPath = (ctx: Base, groupName: string) => `${ctx.base}/registry/thing-groups/${segment(groupName)}`;
export const certificatePath = (ctx: Base, certificateId: string) => `${ctx.base}/registry/certificates/${segment(certificateId)}`;
export const caCertificatePath = (ctx: Base, certificateId: string) => `${ctx.base}/registry/ca-certificates/${segment(certificateId)}`;
export const policyPath = (ctx: Base, policyName: string) => `${ctx.base}/registry/policies/${segment(policyName)}`;
/** A policy's page showing one version's document. */
export const policyVersionPath = (ctx: Base, policyName: string, versionId: string) =>
  `${policyPath(ctx, policyName)}?${new URLSearchParams({ version: versionId })}`;
/** The line diff of two versions of a policy; either end left out takes the page's default. */
export function policyDiffPath(ctx: Base, policyName: string, from?: string, to?: string): string {
  const query = new URLSearchParams();
  if (from) query.set('from', from);
  if (to) query.set('to', to);
  const text = query.toString();
  return `${policyPath(ctx, policyName)}/diff${text ? `?${text}` : ''}`;
}

export function thingLink(ctx: Base, thingName: string): Html {
  return html`<a href="${thingPath(ctx, thingName)}">${thingName}</a>`;
}

export function thingGroupLink(ctx: Base, groupName: string): Html {
  return html`<a href="${thingGroupPath(ctx, groupName)}">${groupName}</a>`;
}

export function certificateLink(ctx: Base, certificateId: string): Html {
  return html`<a href="${certificatePath(ctx, certificateId)}"><code>${certificateId}</code></a>`;
}

export function policyLink(ctx: Base, policyName: string): Html {
  return html`<a href="${policyPath(ctx, policyName)}">${policyName}</a>`;
}

const CERTIFICATE_ARN = /^arn:aws[a-z-]*:iot:[^:]*:\d{12}:cert\/([0-9a-f]{64})$/;

/** The certificate id of a certificate ARN, or undefined for any other principal (a Cognito identity, an IAM ARN). */
export function certificateIdOf(principal: string): string | undefined {
  return CERTIFICATE_ARN.exec(principal)?.[1];
}

/** A principal: a link to its certificate's page when it is a certificate, its text otherwise. */
export function principalLink(ctx: Base, principal: string): Html {
  const id = certificateIdOf(principal);
  return id ? html`<a href="${certificatePath(ctx, id)}"><code>${principal}</code></a>` : html`<code>${principal}</code>`;
}

/**
 * The registry page of an audit finding's resource, when the registry browser has one: a device or CA certificate, a
 * policy version. Undefined for the kinds it has no page for.
 */
export function resourcePath(ctx: Base, resourceIdentifier: Record<string, any> | undefined): string | undefined {
  const id = resourceIdentifier ?? {};
  if (typeof id.deviceCertificateId === 'string') return certificatePath(ctx, id.deviceCertificateId);
  if (typeof id.caCertificateId === 'string') return caCertificatePath(ctx, id.caCertificateId);
  const version = id.policyVersionIdentifier;
  if (version && typeof version.policyName === 'string')
    return typeof version.policyVersionId === 'string' ? policyVersionPath(ctx, version.policyName, version.policyVersionId) : policyPath(ctx, version.policyName);
  return undefined;
}
