// How long `ddlocal import` takes to load a large fleet: 10,000 things (each in a group) and 10,000 certificates
// (each attached to its thing and a policy), applied in ONE transaction by the fleet endpoint's handler. The handler
// is called in-process because a fleet this size (~10 MB of PEMs) is above the HTTP body limit (1 MiB).
// Usage: npm run build && node bench/fleet-import.mjs [things] [sqlite|postgres]
import { startDdlocal } from '../dist/src/server/app.js';
import { fleetRoutes } from '../dist/src/fleet/fleet-routes.js';
import { makeCa, makeCertificate, makeKey } from '../dist/test/helpers/certs.js';
import { createTestDatabase } from '../dist/test/helpers/postgres.js';
import { tempDataFile } from '../dist/test/helpers/server.js';

const count = Number(process.argv[2] ?? 10_000);
const storeKind = process.argv[3] ?? 'sqlite';
let t = Date.now();
const ca = await makeCa();
const key = await makeKey();
const certificates = [];
for (let i = 0; i < count; i++) {
  const cert = await makeCertificate({ issuer: ca, key, subject: `CN=device-${i}` });
  certificates.push({ certificatePem: cert.pem, caCertificateId: ca.id, things: [`device-${i}`], policies: ['device-policy'] });
}
console.log(`generated ${count} certificates in ${Date.now() - t} ms`);
const fleet = {
  policies: [{ policyName: 'device-policy', policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }] } }],
  thingTypes: [{ thingTypeName: 'sensor' }],
  thingGroups: Array.from({ length: 10 }, (_, g) => ({ thingGroupName: `site-${g}` })),
  caCertificates: [{ caCertificatePem: ca.pem }],
  things: Array.from({ length: count }, (_, i) => ({ thingName: `device-${i}`, thingTypeName: 'sensor', attributes: { serial: String(i) }, thingGroups: [`site-${i % 10}`] })),
  certificates,
};
const body = Buffer.from(JSON.stringify({ fleet }));
const running = await startDdlocal(storeKind === 'postgres' ? { port: 0, databaseUrl: await createTestDatabase() } : { port: 0, dataFile: tempDataFile() });
const route = fleetRoutes(running.store, running.clock).find((r) => r.method === 'POST');
t = Date.now();
const result = await route.handler({ method: 'POST', path: '/_ddlocal/fleet', query: new Map(), body, caller: { accountId: '123456789012', region: 'us-east-1' }, requestId: 'bench', admin: true });
console.log(`${storeKind}: imported ${JSON.stringify(result.body.created)} (${(body.length / 1e6).toFixed(1)} MB) in ${Date.now() - t} ms`);
const exportRoute = fleetRoutes(running.store, running.clock).find((r) => r.method === 'GET');
t = Date.now();
const exported = await exportRoute.handler({ method: 'GET', path: '/_ddlocal/fleet', query: new Map(), body: Buffer.alloc(0), caller: { accountId: '123456789012', region: 'us-east-1' }, requestId: 'bench', admin: true });
console.log(`${storeKind}: exported ${exported.body.things.length} things, ${exported.body.certificates.length} certificates in ${Date.now() - t} ms`);
await running.close();
