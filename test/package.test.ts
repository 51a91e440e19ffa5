// The npm package as a user gets it: `npm pack`, then `npm install <tarball>` in an empty project that cannot see this
// clone, then the installed `ddlocal` binary runs the README walkthrough with the real AWS CLI v2, the `ddlocal` and
// `ddlocal/testing` entries import and work, and their published types check a TypeScript file (and reject a wrong
// one). Prints the tarball's size and the install time (recorded in docs/benchmarks.md).
//
// The install fetches dependencies from the npm registry (npm's cache helps) and may compile better-sqlite3, so it
// takes minutes on a cold machine.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './helpers/temp-dir.js';
import { AWS_CLI_V2 } from './helpers/aws-cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const READY = /^ddlocal \S+ listening on (http:\/\/\S+) \(store: .+\)$/m;

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

/** The environment without npm's own variables (set when this runs under `npm test`) and without DDLOCAL_* settings. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|DDLOCAL_|NODE_OPTIONS$|INIT_CWD$)/i.test(k)) env[k] = v;
  return { ...env, ...extra };
}

function run(command: string, args: string[], cwd: string, timeoutMs: number, env = cleanEnv()): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

function ok(r: Run, what: string): Run {
  assert.equal(r.status, 0, `${what} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

describe('the npm package', () => {
  let packed: { filename: string; size: number; unpackedSize: number; entryCount: number; files: { path: string }[] };
  let tarball = '';
  let project = '';
  let installMs = 0;
  const children: ChildProcess[] = [];
  after(() => {
    for (const child of children) child.kill('SIGKILL');
  });

  before(async () => {
    // `npm test` built dist/ already. --ignore-scripts skips prepack, which would clean and rebuild the shared dist/
    // under test files running at the same time; a test below checks that prepack is the build.
    assert.ok(existsSync(join(ROOT, 'dist/src/testing.d.ts')), 'dist/src/testing.d.ts missing: run `npm run build` first');
    const destination = tempDir('ddlocal-pack-');
    const r = ok(await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', destination], ROOT, 120_000), 'npm pack');
    packed = JSON.parse(r.stdout)[0];
    tarball = join(destination, packed.filename);
    assert.ok(existsSync(tarball), tarball);
  });

  test('prepack builds, and installing the tarball runs no build', () => {
    assert.match(PACKAGE.scripts.prepack, /npm run build/);
    // npm runs `prepare` only for installs from a folder or git, never from a tarball; nothing else may build.
    for (const hook of ['preinstall', 'install', 'postinstall']) assert.equal(PACKAGE.scripts[hook], undefined, hook);
  });

  test('the tarball holds the compiled server and CLI, the declarations, README and LICENSE — and no tests', (t) => {
    const files = packed.files.map((f) => f.path);
    for (const required of [
      'package.json',
      'README.md',
      'LICENSE',
      'bin/ddlocal.js',
      'dist/src/main.js',
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/src/testing.js',
      'dist/src/testing.d.ts',
      'dist/src/kernel/clock.d.ts',
      'dist/src/model/iot-model.json',
      'dist/src/model/iot-authorization.json',
      'dist/src/cli/skeletons.json',
    ])
      assert.ok(files.includes(required), `${required} missing from the tarball`);
    const unwanted = files.filter((f) => !/^(dist\/src|bin)\//.test(f) && !['package.json', 'README.md', 'LICENSE'].includes(f));
    assert.deepEqual(unwanted, [], 'only dist/src, bin, package.json, README and LICENSE');
    const leftovers = files.filter((f) => f.endsWith('.map') || f.endsWith('.tsbuildinfo'));
    assert.deepEqual(leftovers, []);
    t.diagnostic(`tarball: ${packed.size} bytes packed, ${packed.unpackedSize} bytes unpacked, ${packed.entryCount} files`);
    console.log(`package: tarball ${packed.size} bytes (${packed.unpackedSize} unpacked), ${packed.entryCount} files`);
  });

  test('installs into an empty project with npm install <tarball>', { timeout: 900_000 }, async (t) => {
    project = tempDir('ddlocal-consumer-');
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
    const started = Date.now();
    ok(await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], project, 900_000), 'npm install <tarball>');
    installMs = Date.now() - started;
    assert.ok(existsSync(join(project, 'node_modules/.bin/ddlocal')), 'node_modules/.bin/ddlocal not linked');
    t.diagnostic(`install: ${(installMs / 1000).toFixed(1)} s`);
    console.log(`package: npm install <tarball> took ${(installMs / 1000).toFixed(1)} s`);
  });

  test('the installed ddlocal serves the README walkthrough to the AWS CLI v2', { timeout: 180_000 }, async (t) => {
    if (!project) return t.skip('the install failed');
    if (!AWS_CLI_V2) return t.skip('AWS CLI v2 not found; .ci/run installs Debian package awscli');
    const child = spawn(join(project, 'node_modules/.bin/ddlocal'), ['serve', '--port', '0', '--log-level', 'error', '--data', join(project, 'db', 'ddlocal.db')], {
      cwd: project,
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ready line in 30 s:\n${output}`)), 30_000);
      child.stdout!.on('data', () => {
        const m = READY.exec(output);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.on('exit', (code) => reject(new Error(`ddlocal serve exited with ${code}:\n${output}`)));
    });
    const readme = readFileSync(join(project, 'node_modules/ddlocal/README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## A 60-second walkthrough'));
    const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!.replaceAll('http://127.0.0.1:4580', url);
    const bin = tempDir('ddlocal-bin-');
    symlinkSync(AWS_CLI_V2, join(bin, 'aws'));
    const env = cleanEnv({ PATH: `${bin}:${process.env.PATH}`, AWS_PAGER: '', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' });
    const r = await run('bash', ['--norc', '-c', block], project, 120_000, env);
    assert.match(r.stdout, /"taskId": "myActionsTaskId"/, r.stderr);
    assert.match(r.stdout, /"COMPLETED",\s*\{\s*"IOT_POLICY_OVERLY_PERMISSIVE_CHECK": \{[^}]*"succeededFindingsCount": 1/);
    assert.match(r.stderr, /NotImplementedException.*ListTopicRules/);
    child.kill('SIGTERM');
  });

  test("import 'ddlocal' and 'ddlocal/testing' work from the installed package", { timeout: 60_000 }, async (t) => {
    if (!project) return t.skip('the install failed');
    writeFileSync(
      join(project, 'check.mjs'),
      `import { startDdlocal as startServer, Clock } from 'ddlocal';
import { startDdlocal } from 'ddlocal/testing';
import { CreateThingCommand, ListThingsCommand } from '@aws-sdk/client-iot';
const server = await startServer({ port: 0, dataFile: ':memory:' });
const health = await (await fetch(server.url + '/_ddlocal/health')).json();
await server.close();
const ddlocal = await startDdlocal();
await ddlocal.iotClient().send(new CreateThingCommand({ thingName: 'from-the-tarball' }));
const before = (await ddlocal.iotClient().send(new ListThingsCommand({}))).things.map((t) => t.thingName);
await ddlocal.reset();
const after = (await ddlocal.iotClient().send(new ListThingsCommand({}))).things.length;
// Frozen first: a running clock answers set() with its time a moment later (CI once saw …00.001Z).
await ddlocal.clock.freeze();
const moved = await ddlocal.clock.set('2040-01-01T00:00:00Z');
await ddlocal.stop();
console.log(JSON.stringify({ health: health.status, clock: typeof Clock, before, after, moved: moved.toISOString() }));
`,
    );
    const r = ok(await run(process.execPath, ['check.mjs'], project, 60_000), 'node check.mjs');
    assert.deepEqual(JSON.parse(r.stdout), { health: 'ok', clock: 'function', before: ['from-the-tarball'], after: 0, moved: '2040-01-01T00:00:00.000Z' });
  });

  test('the published types check a correct TypeScript file and reject a wrong one', { timeout: 120_000 }, async (t) => {
    if (!project) return t.skip('the install failed');
    // A user's project with no @types packages of its own: `types: []` is only expressible in a tsconfig (the command
    // line's --types wants a name), and the file list is the one file under check.
    const tscArgs = (file: string) => {
      const config = `tsconfig.${file}.json`;
      writeFileSync(
        join(project, config),
        JSON.stringify({
          compilerOptions: { noEmit: true, strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022', 'esnext.disposable'], types: [], skipLibCheck: true },
          files: [file],
        }),
      );
      return [TSC, '-p', config];
    };
    writeFileSync(
      join(project, 'good.ts'),
      `import { startDdlocal as startServer, type DdlocalOptions, type Ddlocal } from 'ddlocal';
import { startDdlocal, connectDdlocal, type DdlocalTestServer, type DdlocalConnection } from 'ddlocal/testing';
const options: DdlocalOptions = { port: 0, dataFile: ':memory:', authMode: 'open', defaultRegion: 'eu-west-1' };
const server: Ddlocal = await startServer(options);
const ddlocal: DdlocalTestServer = await startDdlocal({ ...options, region: 'eu-west-1' });
const connection: DdlocalConnection = connectDdlocal(ddlocal.endpoint);
const when: Date = await connection.clock.advance(60);
const endpoint: string = ddlocal.clientConfig().endpoint;
await ddlocal.iotClient({ maxAttempts: 1 }).destroy();
await ddlocal.reset({ accountId: '123456789012', region: 'eu-west-1' });
await ddlocal.stop();
await server.close();
export { when, endpoint };
`,
    );
    ok(await run(process.execPath, tscArgs('good.ts'), project, 120_000), 'tsc good.ts');
    writeFileSync(
      join(project, 'bad.ts'),
      `import { startDdlocal } from 'ddlocal/testing';
const ddlocal = await startDdlocal({ port: 'any' });
await ddlocal.clock.advance('one day');
`,
    );
    const bad = await run(process.execPath, tscArgs('bad.ts'), project, 120_000);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stdout, /bad\.ts\(2,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/);
    assert.match(bad.stdout, /bad\.ts\(3,\d+\): error TS2345/);
  });
});
