// Shared by the benchmarks (audit.mjs, mitigation.mjs): `ddlocal serve` and moto_server children, the SDK client,
// a fixed-concurrency request pool, process memory, and the rows RegisterCertificate* stores for certificates that
// bench/x509.mjs encodes (so a registry of 10^5 certificates can be inserted directly through ddlocal's store).
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { IoTClient } from '@aws-sdk/client-iot';
import { encodeCertificate, pemOf } from './x509.mjs';
import { freePort } from './postgres.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { parseCertificate } = await import(join(ROOT, 'dist/src/registry/x509.js'));

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const DAY = 86_400_000;

export const log = (...a) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...a);
export const secs = (ms) => Math.round(ms) / 1000;
/** Seconds-aligned, as X.509 times are. */
export const sec = (ms) => Math.floor(ms / 1000) * 1000;
export const sha256Hex = (der) => crypto.createHash('sha256').update(der).digest('hex');

export function iotClient(endpoint, accountId = ACCOUNT) {
  return new IoTClient({ endpoint, region: REGION, credentials: { accessKeyId: accountId, secretAccessKey: 'bench' }, maxAttempts: 1 });
}

/** Runs fn over items with a fixed number of requests in flight. */
export async function pool(items, fn, concurrency) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Processes

export async function waitHttp(url, child, what) {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
    try {
      await fetch(url);
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`${what} did not start listening on ${url}`);
}

/** A `ddlocal serve` child on a SQLite file ({file}) or PostgreSQL ({url}); extra node flags in nodeArgs. */
export async function startServer(store, { nodeArgs = [] } = {}) {
  const port = await freePort();
  const args = [...nodeArgs, join(ROOT, 'bin/ddlocal.js'), 'serve', '--port', String(port), '--log-level', 'error'];
  args.push(...(store.url ? ['--database-url', store.url] : ['--data', store.file]));
  // The server's log (level error) goes to stderr, so a failed request can be explained.
  const child = spawn(process.execPath, args, { stdio: ['ignore', process.stderr, 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  await waitHttp(url, child, 'ddlocal serve');
  return { child, url, iot: iotClient(url) };
}

export async function startMoto() {
  const port = await freePort();
  const child = spawn('moto_server', ['-p', String(port)], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await waitHttp(url, child, 'moto_server');
  return { child, url, iot: iotClient(url) };
}

export async function stopProcess(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** VmHWM (peak resident set) and VmRSS of a process, in MiB. */
export function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { peakMiB: Math.round(kb('VmHWM') / 1024), rssMiB: Math.round(kb('VmRSS') / 1024) };
}

/** A request to one of ddlocal's /_ddlocal ingestion extensions. */
export async function ingest(url, method, path, body) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `AWS4-HMAC-SHA256 Credential=${ACCOUNT}/20300101/${REGION}/iot/aws4_request, SignedHeaders=host, Signature=x` },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Certificate rows

/** Key facts per SPKI, read by ddlocal's parser from one real certificate per key. */
export function keyFactsOf(keys, ca) {
  const out = new Map();
  for (const spki of [...keys.rsa, ...keys.ec, ...keys.roca]) {
    const der = encodeCertificate({ serialHex: '01', issuer: ca, subject: [['CN', 'k']], spki, notBefore: sec(Date.now()), notAfter: sec(Date.now() + DAY) });
    const f = parseCertificate(pemOf(der), 'key probe').facts;
    out.set(spki, { key_algorithm: f.key_algorithm, key_size: f.key_size, key_curve: f.key_curve, rsa_modulus: f.rsa_modulus, subject_key_id: f.subject_key_id });
  }
  return out;
}

/** The facts RegisterCertificate stores for a certificate this benchmark encodes (checked against the parser). */
export function factsOf(plan, serialHex, der, issuer, keyFacts) {
  return {
    certificate_pem: pemOf(der),
    subject: plan.subject.map(([t, v]) => `${t}=${v}`).reverse().join(','),
    issuer: issuer.rfc4514,
    serial_number: serialHex.replace(/^(00)+(?=[0-9a-f]{2})/, ''),
    not_before: plan.notBefore,
    not_after: plan.notAfter,
    ...keyFacts.get(plan.key),
    crl_urls: '[]',
    is_ca: 0,
    authority_key_id: issuer.subjectKeyId,
  };
}

/** Fills in the RFC 4514 subject and key id of a CA made by x509.mjs's makeCa, as ddlocal's parser reads them. */
export function describeCa(ca) {
  const f = parseCertificate(ca.pem, 'bench CA').facts;
  ca.rfc4514 = f.subject;
  ca.subjectKeyId = f.subject_key_id;
  return ca;
}

export { parseCertificate };

// Shared by the load benchmarks (strict-mode.mjs, registry-mix.mjs).

/** A seeded pseudo-random generator (mulberry32): every worker and every configuration replays the same sequence. */
export function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** fn's value at wall-clock time `time` (epoch ms): every process of the run reads its counters at the same moments. */
export const at = (time, fn) => new Promise((resolve) => setTimeout(() => resolve(fn()), Math.max(0, time - Date.now())));

/** The p-th percentile of an ascending array (NaN when empty). */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export const round2 = (x) => Math.round(x * 100) / 100;
