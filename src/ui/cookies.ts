// Reading one cookie of a request's Cookie header. The dashboard's cookies carry only random hex it made itself, so a
// value is accepted only when it has exactly that form.

export function cookieValue(cookieHeader: string | undefined, name: string, form: RegExp): string | undefined {
  for (const part of (cookieHeader ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    if (form.test(value)) return value;
  }
  return undefined;
}
