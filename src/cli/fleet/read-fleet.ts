// Reading a fleet file for `ddlocal import` (docs/fleet-format.md): YAML or JSON (by extension; YAML also reads JSON),
// with certificate PEMs either inline or in files named relative to the fleet file. The files are read here, on the
// client, so that the server receives one self-contained document and can apply it in one transaction.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CliError } from '../arguments.js';

/** `<field>File` → `<field>`: which PEM fields may name a file instead, per section. */
const FILE_FIELDS: Record<string, string[]> = {
  caCertificates: ['caCertificatePem', 'verificationCertificatePem'],
  certificates: ['certificatePem', 'caCertificatePem'],
};

const fail = (message: string) => new CliError(255, `\n${message}\n`);

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw fail(`Cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export async function parseFleetText(text: string, path: string): Promise<unknown> {
  if (/\.json$/i.test(path)) {
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw fail(`${path} is not valid JSON: ${(err as Error).message}`);
    }
  }
  const { parseDocument } = await import('yaml');
  // Aliases are kept to a handful so a small file cannot expand into a huge document ("billion laughs").
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) throw fail(`${path} is not valid YAML: ${document.errors[0]!.message}`);
  return document.toJS({ maxAliasCount: 100 }) as unknown;
}

/** The fleet file as the document the server takes: every `…PemFile` replaced by the PEM text it names. */
export async function readFleetFile(path: string, cwd: string): Promise<unknown> {
  const fullPath = resolve(cwd, path);
  const fleet = await parseFleetText(readText(fullPath, 'the fleet file'), fullPath);
  if (typeof fleet !== 'object' || fleet === null || Array.isArray(fleet)) return fleet; // the server explains
  const base = dirname(fullPath);
  for (const [section, fields] of Object.entries(FILE_FIELDS)) {
    const entries = (fleet as Record<string, unknown>)[section];
    if (!Array.isArray(entries)) continue;
    entries.forEach((entry: unknown, index) => {
      if (typeof entry !== 'object' || entry === null) return;
      const record = entry as Record<string, unknown>;
      for (const field of fields) {
        const fileField = `${field}File`;
        const file = record[fileField];
        if (file === undefined) continue;
        if (typeof file !== 'string') throw fail(`${section}[${index}]: ${fileField} must be a file path`);
        if (record[field] !== undefined) throw fail(`${section}[${index}]: give ${field} or ${fileField}, not both`);
        record[field] = readText(resolve(base, file), `${section}[${index}] ${fileField}`);
        delete record[fileField];
      }
    });
  }
  return fleet;
}
