// The npm package as a user meets it (issue 13): the tarball's size, the time `npm install <tarball>` takes into an
// empty project with a cold npm cache (every dependency fetched from the registry, better-sqlite3 compiled where no
// prebuilt binary can be fetched) and with a warm one, the size of the installed node_modules, and the time from
// `npx ddlocal serve` to its ready line — next to moto_server's start to its first answer, the peer a Python user would
// otherwise install (moto is already installed here: its installed size is measured, its install is not).
//
//   npm run build && node bench/package.mjs [--json FILE]
//
// Needs network access to the npm registry for the cold install. Temporary folders are removed at the end.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, lstatSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, loadavg, totalmem } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './postgres.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;
const log = (...a) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...a);
const work = mkdtempSync(join(tmpdir(), 'ddlocal-bench-package-'));

/** Bytes of a folder tree (files only, symlinks not followed); iterative, so deep node_modules trees are fine. */
function treeBytes(root) {
  let total = 0;
  const stack = [root];
  while (stack.length) {
    const dir = stack.pop();
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) stack.push(path);
      else if (entry.isFile()) total += statSync(path).size;
      else if (entry.isSymbolicLink()) total += lstatSync(path).size;
    }
  }
  return total;
}

function timed(command, argv, options) {
  const started = process.hrtime.bigint();
  execFileSync(command, argv, { stdio: ['ignore', 'ignore', 'inherit'], ...options });
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** Seconds from spawning `command` until `ready(url)` answers true. */
async function timeToReady(command, argv, options, probe) {
  const started = process.hrtime.bigint();
  const child = spawn(command, argv, { stdio: 'ignore', ...options });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${command} exited with ${child.exitCode}`);
      if (await probe().catch(() => false)) return Number(process.hrtime.bigint() - started) / 1e9;
      await sleep(20);
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r() : child.on('exit', r)));
  }
}

function consumer(name) {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true, type: 'module' }));
  return dir;
}

try {
  const machine = { cpus: cpus().length, model: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, loadAtStart: loadavg().map((l) => l.toFixed(2)).join(' ') };
  // --ignore-scripts: pack what `npm run build` left in dist/ (prepack would clean and rebuild it, the same output).
  log('npm pack');
  const packed = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }))[0];
  const tarball = join(work, packed.filename);

  log('cold install: empty npm cache');
  const cold = consumer('cold');
  const coldSeconds = timed('npm', ['install', '--no-audit', '--no-fund', '--cache', join(work, 'empty-cache'), tarball], { cwd: cold });
  log(`cold install ${coldSeconds.toFixed(1)} s`);
  log('warm install: the machine npm cache');
  const warm = consumer('warm');
  const warmSeconds = timed('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: warm });
  log(`warm install ${warmSeconds.toFixed(1)} s`);
  const installedBytes = treeBytes(join(warm, 'node_modules'));
  const nativeBuilt = readdirSync(join(warm, 'node_modules/better-sqlite3/build/Release')).includes('obj.target') ? 'compiled from source' : 'prebuilt binary';

  const ddlocalPort = await freePort();
  const ddlocalStart = await timeToReady(join(warm, 'node_modules/.bin/ddlocal'), ['serve', '--port', String(ddlocalPort), '--data', ':memory:', '--log-level', 'error'], { cwd: warm }, async () => (await fetch(`http://127.0.0.1:${ddlocalPort}/_ddlocal/health`)).ok);
  const motoPort = await freePort();
  const motoStart = await timeToReady('moto_server', ['-p', String(motoPort)], {}, async () => (await fetch(`http://127.0.0.1:${motoPort}/moto-api/`)).status < 500);
  const motoDir = execFileSync('python3', ['-c', 'import moto, os; print(os.path.dirname(moto.__file__))'], { encoding: 'utf8' }).trim();
  const motoBytes = treeBytes(motoDir);

  const result = {
    date: new Date().toISOString(),
    machine,
    tarball: { bytes: packed.size, unpackedBytes: packed.unpackedSize, files: packed.entryCount },
    install: { coldSeconds, warmSeconds, betterSqlite3: nativeBuilt, nodeModulesBytes: installedBytes },
    startToReadySeconds: { ddlocal: ddlocalStart, motoServer: motoStart, ratio: ddlocalStart / motoStart },
    peer: { motoPackageBytes: motoBytes, note: 'moto alone, without its dependencies (boto3, botocore, werkzeug, …)' },
    loadAtEnd: loadavg().map((l) => l.toFixed(2)).join(' '),
  };
  console.log(JSON.stringify(result, null, 2));
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify(result, null, 2));
} finally {
  rmSync(work, { recursive: true, force: true });
}
