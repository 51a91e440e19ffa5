// `ddlocal iot help`, `ddlocal iot <command> help` / --help / -h (src/cli/help/): the pages are run through the real
// executable, compared with the real aws CLI v2's pages for the same commands (option names and enum values must
// agree), and shown through a pager on a terminal (under util-linux `script`, which gives the process a pty).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { MODEL } from '../src/model/model.js';
import { IMPLEMENTED_OPERATIONS } from '../src/cli/implemented-operations.js';
import { commandName } from '../src/cli/names.js';
import { AWS_CLI_V2 } from './helpers/aws-cli.js';
import { cleanAwsEnv, runCommand, SCRIPT_BIN } from './helpers/ddlocal-command.js';
import { tempDir } from './helpers/temp-dir.js';

const ENV = cleanAwsEnv();

function ddlocal(args: string[], extraEnv: Record<string, string | undefined> = {}, tty = false) {
  return runCommand(args, cleanAwsEnv(extraEnv), { tty });
}

/** `aws iot <args…>` with its help piped (aws then runs `less -R` on a pipe, which copies), overstrikes removed. */
function awsHelp(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(AWS_CLI_V2!, ['iot', ...args], { env: { ...ENV, PAGER: 'cat' }, encoding: 'utf8', maxBuffer: 16 << 20, timeout: 60_000 }, (err, stdout) => {
      if (err) reject(err);
      else resolve(plain(stdout));
    });
  });
}

/** Man-page text without groff's overstrike bold/underline (`X\bX`, `_\bX`) and with tabs expanded. */
function plain(text: string): string {
  return text
    .replace(/.\x08/g, '')
    .split('\n')
    .map((line) => {
      let out = '';
      for (const c of line) out += c === '\t' ? ' '.repeat(8 - (out.length % 8)) : c;
      return out;
    })
    .join('\n');
}

function section(page: string, name: string): string[] {
  const lines = page.split('\n');
  const start = lines.findIndex((l) => l.trim() === name);
  assert.ok(start >= 0, `no ${name} section`);
  const end = lines.findIndex((l, i) => i > start && /^[A-Z][A-Z ]+$/.test(l.trim()) && !/^\s/.test(l));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** The operation's own options named in SYNOPSIS (everything before the global options, which start at --debug). */
function synopsisOptions(page: string): string[] {
  const lines = section(page, 'SYNOPSIS');
  const debug = lines.findIndex((l) => l.includes('[--debug]'));
  return lines.slice(0, debug).flatMap((l) => l.match(/--[a-z0-9-]+/g) ?? []);
}

/** Option name → its "Possible values:" as listed in OPTIONS (aws's bullets are `o`, ddlocal's `*`). */
function possibleValues(page: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let option: string | undefined;
  let collecting = false;
  for (const line of section(page, 'OPTIONS')) {
    const header = /^ {7}(--[a-z0-9-]+)/.exec(line);
    if (header) {
      option = header[1];
      collecting = false;
      continue;
    }
    if (line.trim() === 'Possible values:') {
      collecting = true;
      out.set(option!, []);
      continue;
    }
    if (!collecting) continue;
    const value = /^\s+[o*] (\S+)$/.exec(line);
    if (value) out.get(option!)!.push(value[1]!);
    else if (line.trim() !== '') collecting = false;
  }
  return out;
}

describe('ddlocal iot help pages', () => {
  test('start-audit-mitigation-actions-task help: every option of the aws reference page, with types, syntax and docs', async () => {
    const r = await ddlocal(['iot', 'start-audit-mitigation-actions-task', 'help']);
    assert.equal(r.rc, 0, r.stderr);
    assert.equal(r.stderr, '');
    const page = r.stdout;
    for (const heading of ['NAME', 'DESCRIPTION', 'SYNOPSIS', 'OPTIONS', 'GLOBAL OPTIONS', 'OUTPUT']) {
      assert.match(page, new RegExp(`^${heading}$`, 'm'), heading);
    }
    assert.match(page, /^ {7}start-audit-mitigation-actions-task -$/m);
    assert.match(page, /Starts a task that applies a set of mitigation actions to the specified\s+target\./);
    // SYNOPSIS: required options bare, optional ones in brackets.
    const synopsis = section(page, 'SYNOPSIS').join('\n');
    assert.match(synopsis, /^ {9}--task-id <value>$/m);
    assert.match(synopsis, /^ {9}--target <value>$/m);
    assert.match(synopsis, /^ {9}--audit-check-to-actions-mapping <value>$/m);
    assert.match(synopsis, /^ {9}\[--client-request-token <value>\]$/m);
    assert.match(synopsis, /^ {9}\[--cli-input-json \| --cli-input-yaml\]$/m);
    assert.match(synopsis, /^ {9}\[--generate-cli-skeleton <value>\]$/m);
    const options = section(page, 'OPTIONS').join('\n');
    assert.match(options, /^ {7}--task-id \(string\) \[required\]$/m);
    assert.match(options, /^ {7}--target \(structure\) \[required\]$/m);
    assert.match(options, /^ {7}--audit-check-to-actions-mapping \(map\) \[required\]$/m);
    assert.match(options, /^ {7}--client-request-token \(string\)$/m);
    assert.match(options, /^ {7}--cli-input-json \| --cli-input-yaml \(string\)$/m);
    assert.match(options, /^ {7}--generate-cli-skeleton \(string\)$/m);
    // --target's members, shorthand and JSON syntax, exactly as aws documents them.
    assert.match(options, /^ {10}auditTaskId -> \(string\)$/m);
    assert.match(options, /^ {10}findingIds -> \(list\)$/m);
    assert.match(options, /^ {10}auditCheckToReasonCodeFilter -> \(map\)$/m);
    assert.ok(
      options.includes(
        '       Shorthand Syntax:\n\n          auditTaskId=string,findingIds=string,string,auditCheckToReasonCodeFilter={KeyName1=string,string,KeyName2=string,string}\n',
      ),
    );
    assert.ok(
      options.includes(
        '       JSON Syntax:\n\n          {\n            "auditTaskId": "string",\n            "findingIds": ["string", ...],\n            "auditCheckToReasonCodeFilter": {"string": ["string", ...]\n              ...}\n          }\n',
      ),
    );
    assert.ok(options.includes('          KeyName1=string,string,KeyName2=string,string\n'));
    assert.match(options, /Each audit mitigation task must have a unique client request token/);
    const output = section(page, 'OUTPUT').join('\n');
    assert.match(output, /^ {7}taskId -> \(string\)$/m);
    assert.match(output, /The unique identifier for the audit mitigation task\./);
    // The globals ddlocal accepts are documented.
    const globals = section(page, 'GLOBAL OPTIONS').join('\n');
    for (const name of ['debug', 'endpoint-url', 'output', 'query', 'profile', 'region', 'no-paginate', 'cli-read-timeout', 'no-cli-pager']) {
      assert.match(globals, new RegExp(`^ {7}--${name} \\(`, 'm'), name);
    }
  });

  test('the option names and enum values agree with aws v2 for several commands', { skip: AWS_CLI_V2 ? false : 'aws CLI v2 not installed' }, async () => {
    // Commands whose model aws 2.9.19 shares with ddlocal's (newer) botocore model for these options.
    const commands = [
      'start-audit-mitigation-actions-task',
      'list-audit-findings',
      'update-certificate',
      'create-keys-and-certificate',
      'list-ca-certificates',
      'update-ca-certificate',
      'list-audit-mitigation-actions-executions',
      'create-thing',
      'attach-policy',
    ];
    for (const command of commands) {
      const [ours, theirs] = await Promise.all([ddlocal(['iot', command, 'help']), awsHelp([command, 'help'])]);
      assert.equal(ours.rc, 0, `${command}: ${ours.stderr}`);
      const ourOptions = synopsisOptions(ours.stdout).filter((o) => o !== '--wait'); // ddlocal's one addition
      assert.deepEqual(ourOptions, synopsisOptions(theirs), `${command}: SYNOPSIS options`);
      assert.deepEqual(possibleValues(ours.stdout), possibleValues(theirs), `${command}: possible values`);
    }
  });

  test('the differential parser sees enum values on both sides (it cannot pass vacuously)', async () => {
    const r = await ddlocal(['iot', 'update-certificate', 'help']);
    assert.deepEqual(possibleValues(r.stdout).get('--new-status'), [
      'ACTIVE',
      'INACTIVE',
      'REVOKED',
      'PENDING_TRANSFER',
      'REGISTER_INACTIVE',
      'PENDING_ACTIVATION',
    ]);
    assert.deepEqual(synopsisOptions(r.stdout), ['--certificate-id', '--new-status', '--cli-input-json', '--cli-input-yaml', '--generate-cli-skeleton']);
  });

  test('ddlocal iot help lists every command of the model with a summary, marking the implemented ones', async () => {
    const r = await ddlocal(['iot', 'help']);
    assert.equal(r.rc, 0, r.stderr);
    const listed = [...r.stdout.matchAll(/^ {7}o ([a-z0-9-]+)( \[implemented\])?$/gm)];
    const all = Object.keys(MODEL.operations).map(commandName).sort();
    assert.equal(all.length, 272);
    assert.deepEqual(listed.map((m) => m[1]), all);
    const implemented = new Set(IMPLEMENTED_OPERATIONS.map(commandName));
    for (const m of listed) assert.equal(m[2] !== undefined, implemented.has(m[1]!), m[1]);
    assert.match(r.stdout, /^ {7}o add-thing-to-thing-group \[implemented\]\n {11}Adds a thing to a thing group\.$/m);
  });

  test('every way of asking exits 0 with the right page; bogus words behave as with aws', async () => {
    const command = async (args: string[]) => {
      const r = await ddlocal(['iot', ...args]);
      return { rc: r.rc, first: r.stdout.split('\n')[1]?.trim(), stderr: r.stderr };
    };
    const service = { rc: 0, first: 'iot -', stderr: '' };
    const page = { rc: 0, first: 'list-things -', stderr: '' };
    assert.deepEqual(await command(['help']), service);
    assert.deepEqual(await command(['help', 'bogus', '--nonsense']), service);
    assert.deepEqual(await command(['--help']), service);
    assert.deepEqual(await command(['-h']), service);
    assert.deepEqual(await command(['--region', 'eu-west-1', 'help']), service);
    assert.deepEqual(await command(['list-things', 'help']), page);
    assert.deepEqual(await command(['list-things', 'help', 'bogus']), page);
    assert.deepEqual(await command(['list-things', '--max-items', '3', 'help']), page);
    assert.deepEqual(await command(['list-things', '--help']), page);
    assert.deepEqual(await command(['list-things', '-h']), page);
    assert.deepEqual(await command(['--output', 'text', 'list-things', 'help']), page);
    // As aws: a word before `help` is an unknown option; an option's value `help` is a value; an unknown command is
    // an invalid choice.
    const bogus = await ddlocal(['iot', 'list-things', 'bogus', 'help']);
    assert.equal(bogus.rc, 252);
    assert.match(bogus.stderr, /Unknown options: bogus, help/);
    const unknown = await ddlocal(['iot', 'no-such-command', 'help']);
    assert.equal(unknown.rc, 252);
    assert.match(unknown.stderr, /Invalid choice/);
    const value = await ddlocal(['iot', 'describe-thing', '--thing-name', 'help', '--endpoint-url', 'http://127.0.0.1:9', '--region', 'us-east-1'], {
      AWS_ACCESS_KEY_ID: '123456789012',
      AWS_SECRET_ACCESS_KEY: 'x',
    });
    assert.equal(value.rc, 255, 'sent as a request: `help` was the value of --thing-name');
  });

  test('commands ddlocal does not implement have pages, saying so', async () => {
    const r = await ddlocal(['iot', 'list-topic-rules', 'help']);
    assert.equal(r.rc, 0, r.stderr);
    assert.match(r.stdout, /Lists the rules for the specific topic\./);
    assert.match(r.stdout, /ddlocal does not implement this operation/);
    assert.match(r.stdout, /^ {9}\[--rule-disabled \| --no-rule-disabled\]$/m);
    const implemented = await ddlocal(['iot', 'list-things', 'help']);
    assert.doesNotMatch(implemented.stdout, /does not implement/);
  });

  test('lists of scalars show the plain syntax with their enum values; operations without output say None', async () => {
    const r = await ddlocal(['iot', 'list-audit-mitigation-actions-executions', 'help']);
    assert.match(section(r.stdout, 'OPTIONS').join('\n'), /^ {7}--action-status \(string\)$/m);
    const start = await ddlocal(['iot', 'start-on-demand-audit-task', 'help']);
    assert.ok(start.stdout.includes('       Syntax:\n\n          "string" "string" ...\n'));
    const del = await ddlocal(['iot', 'delete-thing', 'help']);
    assert.deepEqual(section(del.stdout, 'OUTPUT').filter((l) => l.trim() !== ''), ['       None']);
  });

  test('output that is not a terminal is plain text, without escape sequences or overstrikes', async () => {
    for (const args of [['help'], ['start-audit-mitigation-actions-task', 'help'], ['create-topic-rule', 'help']]) {
      const r = await ddlocal(['iot', ...args], { PAGER: 'false', MANPAGER: 'false' });
      assert.equal(r.rc, 0);
      assert.ok(r.stdout.length > 1000, 'the page is printed, not paged');
      assert.doesNotMatch(r.stdout, /[\x00-\x08\x0b-\x1f\x7f]/, `${args.join(' ')}: control characters`);
      for (const line of r.stdout.split('\n')) assert.doesNotMatch(line, /\s$/, `trailing space: ${JSON.stringify(line)}`);
    }
  });

  describe('paging on a terminal', { skip: SCRIPT_BIN ? false : 'util-linux script not installed' }, () => {
    const dir = tempDir('ddlocal-help-pager-');
    const recorder = (name: string) => {
      const script = join(dir, `${name}.sh`);
      writeFileSync(script, `#!/bin/sh\necho "pager args: $*" > '${join(dir, name)}.args'\ncat > '${join(dir, name)}.page'\n`);
      chmodSync(script, 0o755);
      return { script, page: join(dir, `${name}.page`), args: join(dir, `${name}.args`) };
    };

    test('PAGER receives the page (with its arguments) and the terminal does not', async () => {
      const pager = recorder('pager');
      const r = await ddlocal(['iot', 'list-things', 'help'], { PAGER: `${pager.script} --flag 'two words'`, MANPAGER: undefined }, true);
      assert.equal(r.rc, 0, r.stdout);
      assert.match(readFileSync(pager.page, 'utf8'), /^ {7}list-things -$/m);
      assert.equal(readFileSync(pager.args, 'utf8'), 'pager args: --flag two words\n');
      assert.doesNotMatch(r.stdout, /SYNOPSIS/);
    });

    test('MANPAGER wins over PAGER', async () => {
      const man = recorder('man');
      const other = recorder('other');
      const r = await ddlocal(['iot', 'help'], { MANPAGER: man.script, PAGER: other.script }, true);
      assert.equal(r.rc, 0, r.stdout);
      assert.match(readFileSync(man.page, 'utf8'), /AVAILABLE COMMANDS/);
      assert.ok(!existsSync(other.page));
    });

    test('an empty PAGER, --no-cli-pager, or a pager that does not exist: the page goes to the terminal', async () => {
      const cases: [string[], Record<string, string | undefined>][] = [
        [['iot', 'list-things', 'help'], { PAGER: '', MANPAGER: undefined }],
        [['iot', 'list-things', 'help', '--no-cli-pager'], { PAGER: recorder('unused').script, MANPAGER: undefined }],
        [['iot', 'list-things', 'help'], { PAGER: join(dir, 'no-such-pager'), MANPAGER: undefined }],
      ];
      for (const [args, env] of cases) {
        const r = await ddlocal(args, env, true);
        assert.equal(r.rc, 0, JSON.stringify(env));
        assert.match(r.stdout, /SYNOPSIS/, JSON.stringify(env));
        assert.equal(r.stdout.match(/^NAME\r?$/gm)?.length, 1, 'printed once');
      }
      assert.ok(!existsSync(join(dir, 'unused.page')));
    });
  });
});

describe('model HTML to help text (scripts/generate-cli-help.mjs)', async () => {
  // dist/test/ → the repository's scripts/ (the generator is plain JavaScript, not compiled).
  const generator = new URL('../../scripts/generate-cli-help.mjs', import.meta.url).href;
  const { htmlToText } = (await import(generator)) as { htmlToText: (html: string) => string };
  test('paragraphs, lists, notes, code, links and entities', () => {
    const html =
      '<p>Starts a <code>task</code>, see <a href="https://x">the guide</a>.</p><ul><li><p>One &amp; two</p></li><li>Three&lt;4&gt;</li></ul><note><p>Careful.</p></note>';
    assert.equal(htmlToText(html), 'Starts a task, see the guide.\n\n* One & two\n\n* Three<4>\n\nNote: Careful.');
    assert.equal(htmlToText('<fullname>AWS IoT</fullname><p>IoT provides</p>'), 'IoT provides');
    assert.equal(htmlToText('a < b and c & d'), 'a < b and c & d');
  });

  test('linear time on hostile input (unclosed tags, endless entities, deep lists)', () => {
    for (const html of ['<'.repeat(200_000), '&'.repeat(200_000), '<ul><li>'.repeat(50_000), '<p'.repeat(100_000) + '>']) {
      const started = performance.now();
      htmlToText(html);
      assert.ok(performance.now() - started < 2000, `took ${performance.now() - started} ms`);
    }
  });
});
