// Mitigation actions: the list, a form to create one (its parameters built from the model's shape for the chosen
// type), and one action's page with the same form to edit it and a button to delete it. Every change is the API's
// CreateMitigationAction / UpdateMitigationAction / DeleteMitigationAction, so its rules and errors are the API's.
import { html, type Html } from '../../html.js';
import { badge, when } from '../../layout.js';
import type { DashboardContext } from '../../context.js';
import { tokenField } from '../../forms.js';
import { invalidRequest } from '../../../kernel/errors.js';
import { ACTION_TYPES, PARAMS_MEMBER, type MitigationActionType } from '../../../mitigation/actions/index.js';
import { shape } from '../../../model/model.js';
import { shapeFields, shapeValues } from '../../model-form.js';

const TYPES = ACTION_TYPES.map((t) => t.type) as MitigationActionType[];

/** What each type does, in a sentence, for the type chooser. */
const TYPE_SUMMARY: Record<MitigationActionType, string> = {
  UPDATE_DEVICE_CERTIFICATE: 'Deactivate the device certificate of the finding',
  UPDATE_CA_CERTIFICATE: 'Deactivate the CA certificate of the finding',
  ADD_THINGS_TO_THING_GROUP: 'Move the things of the finding into thing groups (a quarantine)',
  REPLACE_DEFAULT_POLICY_VERSION: 'Replace the policy with a new, blank default version',
  ENABLE_IOT_LOGGING: 'Turn on AWS IoT logging',
  PUBLISH_FINDING_TO_SNS: 'Publish the finding to an SNS topic',
};

const isType = (value: string | null): value is MitigationActionType => value !== null && (TYPES as string[]).includes(value);

/** The type of a described action, from its one params member. */
function typeOf(action: Record<string, any>): MitigationActionType | undefined {
  if (isType(action.actionType)) return action.actionType;
  return TYPES.find((t) => action.actionParams?.[PARAMS_MEMBER[t]] !== undefined);
}

export async function actionsSection(ctx: DashboardContext): Promise<Html> {
  const list = await ctx.call('ListMitigationActions', { maxResults: 100 });
  const names = ((list.actionIdentifiers ?? []) as { actionName: string }[]).map((a) => a.actionName);
  const actions = await Promise.all(names.map((actionName) => ctx.call('DescribeMitigationAction', { actionName })));
  return html`<section class="panel" aria-labelledby="actions"><h2 id="actions">Mitigation actions</h2>
    ${actions.length === 0
      ? html`<p class="empty">No mitigation action yet.</p>`
      : html`<table><thead><tr><th scope="col">Action</th><th scope="col">Type</th><th scope="col">Role</th><th scope="col">Created</th></tr></thead><tbody>
        ${actions.map((a) => html`<tr><td><a href="${ctx.base}/mitigation/actions/${a.actionName}">${a.actionName}</a></td><td>${badge(a.actionType ?? '', 'info')}</td>
          <td><code>${a.roleArn}</code></td><td>${when(a.creationDate)}</td></tr>`)}
      </tbody></table>`}
    <p><a href="${ctx.base}/mitigation/actions/new">New mitigation action</a></p>
  </section>`;
}

function paramsFields(type: MitigationActionType, params: Record<string, unknown> | undefined): Html {
  const member = PARAMS_MEMBER[type];
  const ref = shape('MitigationActionParams').members![member]!;
  return html`<fieldset class="params"><legend>Parameters of ${type}</legend>
    <input type="hidden" name="actionType" value="${type}">
    ${shapeFields(ref.shape, `params`, (params ?? {}) as Record<string, unknown>)}
  </fieldset>`;
}

/** The ActionParams object the posted form describes (exactly one member: the chosen type's). */
export function postedParams(fields: URLSearchParams): Record<string, unknown> {
  const type = fields.get('actionType');
  if (!isType(type)) throw invalidRequest(`actionType must be one of ${TYPES.join(', ')}`);
  const member = PARAMS_MEMBER[type];
  return { [member]: shapeValues(shape('MitigationActionParams').members![member]!.shape, 'params', fields) };
}

export async function newActionPage(ctx: DashboardContext, query: URLSearchParams): Promise<Html> {
  const type = query.get('type');
  if (!isType(type))
    return html`<section class="panel" aria-labelledby="type"><h2 id="type">What should the action do?</h2>
      <form method="get" action="${ctx.base}/mitigation/actions/new" class="stacked">
        <fieldset class="params"><legend>Action type</legend>
        ${TYPES.map((t, i) => html`<label class="check"><input type="radio" name="type" value="${t}"${i === 0 ? html` checked` : ''}> ${t} <span class="muted">— ${TYPE_SUMMARY[t]}</span></label>`)}
        </fieldset>
        <button type="submit">Next</button>
      </form></section>`;
  return html`<section class="panel" aria-labelledby="params"><h2 id="params">${type}: ${TYPE_SUMMARY[type]}</h2>
    <form method="post" action="${ctx.base}/mitigation/actions" class="stacked">
      ${tokenField(ctx.formToken)}
      <label>Action name <span class="muted">(letters, digits, _ and -)</span><input name="actionName" required maxlength="128"></label>
      <label>Role ARN <span class="muted">(the role the action runs as)</span><input name="roleArn" required value="arn:aws:iam::${ctx.accountId}:role/MitigationRole"></label>
      ${paramsFields(type, undefined)}
      <button type="submit">Create action</button>
    </form>
    <p><a href="${ctx.base}/mitigation/actions/new">Choose another type</a></p>
  </section>`;
}

export async function actionPage(ctx: DashboardContext, actionName: string): Promise<Html> {
  const a = await ctx.call('DescribeMitigationAction', { actionName });
  const type = typeOf(a);
  const params = type ? (a.actionParams?.[PARAMS_MEMBER[type]] as Record<string, unknown> | undefined) : undefined;
  return html`<dl class="facts">
    <dt>Type</dt><dd>${badge(a.actionType ?? '', 'info')}</dd>
    <dt>ARN</dt><dd><code>${a.actionArn}</code></dd>
    <dt>Id</dt><dd><code>${a.actionId}</code></dd>
    <dt>Created</dt><dd>${when(a.creationDate)}</dd>
    <dt>Last modified</dt><dd>${when(a.lastModifiedDate)}</dd>
  </dl>
  <section class="panel spaced" aria-labelledby="edit"><h2 id="edit">Edit</h2>
    ${type
      ? html`<form method="post" action="${ctx.base}/mitigation/actions/${actionName}" class="stacked">
        ${tokenField(ctx.formToken)}
        <label>Role ARN<input name="roleArn" required value="${a.roleArn}"></label>
        ${paramsFields(type, params)}
        <button type="submit">Save changes</button>
      </form>`
      : html`<p class="empty">ddlocal does not know this action's type.</p>`}
  </section>
  <section class="panel spaced" aria-labelledby="delete"><h2 id="delete">Delete</h2>
    <p class="muted">Tasks that already started keep their copy of the action.</p>
    <form method="post" action="${ctx.base}/mitigation/actions/${actionName}/delete">
      ${tokenField(ctx.formToken)}
      <button type="submit" class="secondary">Delete ${actionName}</button>
    </form>
  </section>`;
}
