// CVE-2008-0166 (Debian's predictable OpenSSL keys) detection (audit.md §4.2, Dec A16). The affected keys are known
// only by enumeration, so detection is a lookup of the modulus fingerprint in blocklist files of the format of
// Debian's historical openssl-blacklist package. ddlocal ships no list (it is not redistributable); the files are
// named by DDLOCAL_WEAK_KEY_BLOCKLISTS, a path list separated like PATH.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { delimiter } from 'node:path';

export const WEAK_KEY_BLOCKLISTS_ENV = 'DDLOCAL_WEAK_KEY_BLOCKLISTS';

/** The blocklist fingerprint: the low 80 bits (last 20 hex digits) of SHA-1 over openssl's `Modulus=<HEX>\n` line. */
export function weakKeyFingerprint(modulusHex: string): string {
  const upper = modulusHex.replace(/^0+(?=.)/, '').toUpperCase();
  return createHash('sha1').update(`Modulus=${upper}\n`).digest('hex').slice(-20);
}

/** Thrown when a configured blocklist cannot be read: the check fails visibly rather than passing silently. */
export class BlocklistUnavailable extends Error {
  readonly errorCode = 'DATA_UNAVAILABLE';
}

/** Parses one blocklist text: one fingerprint per line, `#` starts a comment, blank lines ignored. */
export function parseBlocklist(text: string, into: Set<string> = new Set()): Set<string> {
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*/, '').trim().toLowerCase();
    if (/^[0-9a-f]{20}$/.test(line)) into.add(line);
  }
  return into;
}

/** The configured blocklist paths; empty when the CVE-2008-0166 test is inactive. */
export function configuredBlocklistPaths(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env[WEAK_KEY_BLOCKLISTS_ENV] ?? '')
    .split(delimiter)
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

// Lists can hold hundreds of thousands of lines; they are re-read only when a file changes.
let cache: { signature: string; set: Set<string> } | undefined;

/** The union of the configured blocklists (cached by path, size and modification time). */
export function loadWeakKeyBlocklist(paths: string[] = configuredBlocklistPaths()): Set<string> {
  if (paths.length === 0) return new Set();
  const parts: string[] = [];
  for (const p of paths) {
    try {
      const st = statSync(p);
      parts.push(`${p}|${st.size}|${st.mtimeMs}`);
    } catch (err) {
      throw new BlocklistUnavailable(`the weak-key blocklist ${p} (${WEAK_KEY_BLOCKLISTS_ENV}) cannot be read: ${(err as Error).message}`);
    }
  }
  const signature = parts.join('\n');
  if (cache?.signature === signature) return cache.set;
  const set = new Set<string>();
  for (const p of paths) {
    try {
      parseBlocklist(readFileSync(p, 'utf8'), set);
    } catch (err) {
      throw new BlocklistUnavailable(`the weak-key blocklist ${p} (${WEAK_KEY_BLOCKLISTS_ENV}) cannot be read: ${(err as Error).message}`);
    }
  }
  cache = { signature, set };
  return set;
}

/** The startup notice `ddlocal serve` should log (audit.md §4.2): undefined when at least one list is configured. */
export function weakKeyTestInactiveNotice(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return configuredBlocklistPaths(env).length === 0
    ? `CVE-2008-0166 key-quality test is inactive: set ${WEAK_KEY_BLOCKLISTS_ENV} to openssl-blacklist files to enable it`
    : undefined;
}
