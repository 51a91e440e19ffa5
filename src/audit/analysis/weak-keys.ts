// CVE-2008-0166 (Debian's predictable OpenSSL keys) detection. The affected keys are known only by enumeration, so
// detection is a lookup of the modulus fingerprint in blocklist files of the format of Debian's historical
// openssl-blacklist package. ddlocal ships no list (it is not redistributable); the operator names the files in the
// DDLOCAL_WEAK_KEY_BLOCKLISTS setting (src/server/config.ts), and the checks receive their paths.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';

/** Named in errors, so the operator knows which setting lists the unreadable file. */
const WEAK_KEY_BLOCKLISTS_ENV = 'DDLOCAL_WEAK_KEY_BLOCKLISTS';

/** The blocklist fingerprint: the low 80 bits (last 20 hex digits) of SHA-1 over openssl's `Modulus=<HEX>\n` line. */
export function weakKeyFingerprint(modulusHex: string): string {
  const upper = modulusHex.replace(/^0+(?=.)/, '').toUpperCase();
  return createHash('sha1').update(`Modulus=${upper}\n`).digest('hex').slice(-20);
}

/** Thrown when a configured blocklist cannot be read: the check fails visibly rather than passing silently. */
class BlocklistUnavailable extends Error {
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

// Lists can hold hundreds of thousands of lines; they are re-read only when a file changes.
let cache: { signature: string; set: Set<string> } | undefined;

/** The union of the blocklists at `paths` (cached by path, size and modification time); empty for no paths. */
export function loadWeakKeyBlocklist(paths: readonly string[]): Set<string> {
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
