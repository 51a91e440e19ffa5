// Form fields built from the AWS model's shapes, and the values read back from a posted form: how the dashboard's
// mitigation action form offers exactly the parameters CreateMitigationAction takes, with the model's enums as
// choices. Reading back only converts text to the member's type; the API's own validation (the model's lengths,
// patterns and required members, then the action type's rules) judges the result, so the form can never accept
// what the API refuses.
import { shape, type Shape } from '../model/model.js';
import { html, type Html } from './html.js';

/** "roleArnForLogging" → "Role arn for logging". */
function labelOf(member: string): string {
  const words = member.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function isStringList(s: Shape): boolean {
  return s.type === 'list' && s.member !== undefined && shape(s.member.shape).type === 'string';
}

function constraint(s: Shape): string {
  if (s.enum) return '';
  if (isStringList(s)) return 'one per line';
  const parts: string[] = [];
  if (s.min !== undefined && s.max !== undefined) parts.push(`${s.min}–${s.max} ${s.type === 'string' ? 'characters' : ''}`.trim());
  else if (s.max !== undefined) parts.push(`at most ${s.max}${s.type === 'string' ? ' characters' : ''}`);
  return parts.join(', ');
}

/** An input per member of `shapeName`, named `<prefix>.<member>`, showing `values` (the current parameters). */
export function shapeFields(shapeName: string, prefix: string, values: Record<string, unknown> = {}, depth = 0): Html {
  const s = shape(shapeName);
  const required = new Set(s.required ?? []);
  return html`${Object.entries(s.members ?? {}).map(([member, ref]) => {
    const memberShape = shape(ref.shape);
    const name = `${prefix}.${member}`;
    const label = html`${labelOf(member)}${required.has(member) ? '' : html` <span class="muted">(optional)</span>`}`;
    const hint = constraint(memberShape);
    const hintText = hint ? html` <span class="muted">(${hint})</span>` : '';
    const value = values[member];
    if (memberShape.type === 'structure' && depth < 3)
      return html`<fieldset class="params"><legend>${labelOf(member)}</legend>${shapeFields(ref.shape, name, (value ?? {}) as Record<string, unknown>, depth + 1)}</fieldset>`;
    if (memberShape.enum)
      return html`<label>${label}<select name="${name}"${required.has(member) ? html` required` : ''}>
        ${required.has(member) ? '' : html`<option value="">Not set</option>`}
        ${memberShape.enum.map((v) => html`<option value="${v}"${v === value ? html` selected` : ''}>${v}</option>`)}
      </select></label>`;
    if (memberShape.type === 'boolean')
      return html`<label>${label}<select name="${name}">
        <option value="">Not set</option>
        <option value="true"${value === true ? html` selected` : ''}>true</option>
        <option value="false"${value === false ? html` selected` : ''}>false</option>
      </select></label>`;
    if (isStringList(memberShape))
      return html`<label>${label}${hintText}<textarea name="${name}" rows="3">${Array.isArray(value) ? value.join('\n') : ''}</textarea></label>`;
    const type = memberShape.type === 'integer' || memberShape.type === 'long' ? 'number' : 'text';
    return html`<label>${label}${hintText}<input type="${type}" name="${name}" value="${value === undefined ? '' : String(value)}"${required.has(member) ? html` required` : ''}></label>`;
  })}`;
}

/**
 * The object the fields of `shapeName` under `prefix` describe: empty fields are left out, lists split on lines,
 * booleans and numbers converted. Text that is not a number stays text, for the API's validation to name.
 */
export function shapeValues(shapeName: string, prefix: string, fields: URLSearchParams, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [member, ref] of Object.entries(shape(shapeName).members ?? {})) {
    const memberShape = shape(ref.shape);
    const name = `${prefix}.${member}`;
    if (memberShape.type === 'structure' && depth < 3) {
      const nested = shapeValues(ref.shape, name, fields, depth + 1);
      if (Object.keys(nested).length > 0) out[member] = nested;
      continue;
    }
    const raw = fields.get(name);
    if (raw === null || raw.trim() === '') continue;
    if (isStringList(memberShape))
      out[member] = raw
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line !== '');
    else if (memberShape.type === 'boolean') out[member] = raw === 'true' ? true : raw === 'false' ? false : raw;
    else if (memberShape.type === 'integer' || memberShape.type === 'long') out[member] = /^-?\d{1,15}$/.test(raw.trim()) ? Number(raw.trim()) : raw;
    else out[member] = raw;
  }
  return out;
}
