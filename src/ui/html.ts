// HTML built from template literals in which every interpolated value is escaped unless it is itself built by html``.
// The dashboard's pages are a few hundred lines of markup filled with registry data (policy documents, thing
// attributes, finding reasons) that anyone with API access wrote: escaping by default is what keeps that data text.
// No library: a tagged template and one replacement pass are all this needs.

/** Markup known to be safe: made by html`` (or by raw() for constant text written in ddlocal's source). */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** A value placed in a template: markup as is, lists joined, nothing for null/undefined/false, anything else escaped. */
function render(value: unknown): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return new Html(out);
}

/** Constant markup from ddlocal's own source (never data). */
export function raw(text: string): Html {
  return new Html(text);
}
