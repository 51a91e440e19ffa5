// `ddlocal completion bash|zsh` (src/cli/commands/completion.ts, src/cli/completion/): the scripts are printed by the
// built executable and then run by the real shells — bash calls the completion function the way `complete -F` does
// (COMP_WORDS / COMP_CWORD set, COMPREPLY read back); zsh loads the script from $fpath through compinit and completes
// typed lines on a pseudo-terminal (zsh/zpty), and its function is also called with compadd recorded. zsh must be
// installed: CI installs it (.ci/run), and this file fails rather than skips without it.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IMPLEMENTED_OPERATIONS } from '../src/cli/implemented-operations.js';
import { commandTable } from '../src/cli/names.js';
import { argumentTable } from '../src/cli/args/options.js';
import { globalOptionTakesValue } from '../src/cli/args/globals.js';
import { GLOBAL_OPTION_HELP } from '../src/cli/help/globals-help.js';
import { EXTENSION_OPTIONS } from '../src/cli/completion/data.js';
import { cleanAwsEnv, runCommand } from './helpers/ddlocal-command.js';
import { tempDir } from './helpers/temp-dir.js';

const ENV = cleanAwsEnv();
const ddlocal = (args: string[]) => runCommand(args, ENV);
const DIR = tempDir('ddlocal-completion-');
const BASH_SCRIPT = join(DIR, 'ddlocal.bash');
const ZSH_DIR = join(DIR, 'zfunctions');
const ZSH_SCRIPT = join(ZSH_DIR, '_ddlocal');

const IOT_COMMANDS = [...commandTable(IMPLEMENTED_OPERATIONS).keys()].sort();
const GLOBALS = GLOBAL_OPTION_HELP.filter((g) => globalOptionTakesValue(g.name) !== undefined).map((g) => `--${g.name}`);

/** The candidates bash's completion function gives for each line, the last word being the one under the cursor. */
function bashComplete(lines: string[][]): string[][] {
  const calls = lines
    .map((words) => {
      const quoted = words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
      return `COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; COMP_LINE="\${COMP_WORDS[*]}"; COMP_POINT=\${#COMP_LINE}; COMPREPLY=(); _ddlocal; printf '%s\\n' "\${COMPREPLY[*]}"`;
    })
    .join('\n');
  const result = spawnSync('bash', ['--norc', '--noprofile', '-c', `source "$1" || exit 9\n${calls}`, 'bash', BASH_SCRIPT], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: DIR, LANG: 'C.UTF-8' },
    cwd: DIR,
  });
  assert.equal(result.status, 0, `bash failed: ${result.stderr}`);
  assert.equal(result.stderr, '', 'the completion function printed errors');
  const out = result.stdout.split('\n');
  return lines.map((_, i) => (out[i] ?? '').split(' ').filter((w) => w !== ''));
}

const bash1 = (...words: string[]) => bashComplete([['ddlocal', ...words]])[0]!;

let bashText = '';
let zshText = '';

before(async () => {
  const bash = await ddlocal(['completion', 'bash']);
  assert.equal(bash.rc, 0, bash.stderr);
  bashText = bash.stdout;
  writeFileSync(BASH_SCRIPT, bashText);
  const zsh = await ddlocal(['completion', 'zsh']);
  assert.equal(zsh.rc, 0, zsh.stderr);
  zshText = zsh.stdout;
  execFileSync('mkdir', ['-p', ZSH_DIR]);
  writeFileSync(ZSH_SCRIPT, zshText);
});

describe('ddlocal completion: the command', () => {
  test('prints scripts of a reasonable size that the shells parse', () => {
    assert.match(bashText, /^# bash completion for ddlocal/);
    assert.match(bashText, /\ncomplete -F _ddlocal ddlocal\n$/);
    assert.match(zshText, /^#compdef ddlocal\n/);
    // Static data for every command and option: a few tens of kilobytes (measured: about 27 KB each).
    for (const text of [bashText, zshText]) assert.ok(text.length > 5_000 && text.length < 64_000, `script is ${text.length} bytes`);
    const syntax = spawnSync('bash', ['-n', BASH_SCRIPT], { encoding: 'utf8' });
    assert.equal(syntax.status, 0, syntax.stderr);
  });

  test('an unknown or missing shell is an error naming the supported shells', async () => {
    for (const args of [['completion', 'fish'], ['completion']]) {
      const r = await ddlocal(args);
      assert.notEqual(r.rc, 0, args.join(' '));
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /supported shells: bash, zsh/);
    }
    assert.match((await ddlocal(['completion', 'fish'])).stderr, /unsupported shell 'fish'/);
  });

  test('--help explains how to load the script; ddlocal --help lists the command', async () => {
    const help = await ddlocal(['completion', '--help']);
    assert.equal(help.rc, 0, help.stderr);
    assert.match(help.stdout, /Usage: ddlocal completion/);
    assert.match(help.stdout, /source <\(ddlocal completion bash\)/);
    assert.match(help.stdout, /ddlocal completion zsh > "\$\{fpath\[1\]\}\/_ddlocal"/);
    const top = await ddlocal(['--help']);
    assert.match(top.stdout, /\n  completion \[shell\] /);
  });
});

describe('ddlocal completion bash', () => {
  test('registers _ddlocal with complete -F', () => {
    const r = spawnSync('bash', ['--norc', '--noprofile', '-c', 'source "$1" && complete -p ddlocal', 'bash', BASH_SCRIPT], { encoding: 'utf8' });
    assert.equal(r.stdout.trim(), 'complete -F _ddlocal ddlocal');
  });

  test('ddlocal <TAB> offers the top-level commands', () => {
    const words = bash1('');
    for (const name of ['serve', 'iot', 'reset', 'clock', 'preview', 'undo', 'import', 'export', 'report', 'completion']) {
      assert.ok(words.includes(name), `${name} missing from ${words.join(' ')}`);
    }
    assert.deepEqual(bash1('i'), ['iot', 'import']);
    assert.deepEqual(bash1('completion', ''), ['bash', 'zsh']);
  });

  test('ddlocal iot <TAB> offers exactly the implemented commands (and help), also after global options', () => {
    assert.deepEqual(bash1('iot', ''), [...IOT_COMMANDS, 'help']);
    assert.deepEqual(bash1('--region', 'eu-west-1', 'iot', ''), [...IOT_COMMANDS, 'help']);
    const listTh = bash1('iot', 'list-th');
    for (const name of ['list-thing-groups', 'list-thing-groups-for-thing', 'list-things', 'list-things-in-thing-group', 'list-thing-types']) {
      assert.ok(listTh.includes(name), `${name} missing from ${listTh.join(' ')}`);
    }
    assert.ok(listTh.every((w) => w.startsWith('list-th')));
  });

  test('ddlocal iot start-audit-mitigation-actions-task --<TAB> offers its options and the global options', () => {
    const words = bash1('iot', 'start-audit-mitigation-actions-task', '--');
    for (const option of ['--task-id', '--target', '--audit-check-to-actions-mapping', '--client-request-token', '--cli-input-json', '--cli-input-yaml', '--generate-cli-skeleton', '--wait', '--region', '--output', '--endpoint-url']) {
      assert.ok(words.includes(option), `${option} missing from ${words.join(' ')}`);
    }
    assert.deepEqual(bash1('iot', 'start-audit-mitigation-actions-task', '--audit-c'), ['--audit-check-to-actions-mapping']);
  });

  test('every iot command offers exactly the options of its argument table plus the global options', () => {
    const lines = IOT_COMMANDS.map((command) => ['ddlocal', 'iot', command, '--']);
    const answers = bashComplete(lines);
    IOT_COMMANDS.forEach((command, i) => {
      const expected = new Set([...[...argumentTable(commandTable(IMPLEMENTED_OPERATIONS).get(command)!).options.keys()].map((n) => `--${n}`), ...GLOBALS]);
      assert.deepEqual(new Set(answers[i]), expected, command);
    });
  });

  test('option values: enums of the model, choices of global options, skeleton kinds', () => {
    assert.deepEqual(bash1('iot', 'list-audit-tasks', '--task-status', ''), ['IN_PROGRESS', 'COMPLETED', 'FAILED', 'CANCELED']);
    assert.deepEqual(bash1('iot', 'update-certificate', '--certificate-id', 'abc', '--new-status', 'RE'), ['REVOKED', 'REGISTER_INACTIVE']);
    // The same option name with different enums in two commands.
    assert.deepEqual(bash1('iot', 'update-ca-certificate', '--new-status', ''), ['ACTIVE', 'INACTIVE']);
    // A list option takes several values.
    assert.deepEqual(bash1('iot', 'create-scheduled-audit', '--day-of-week', 'MON', '--frequency', 'W'), ['WEEKLY']);
    assert.deepEqual(bash1('iot', 'list-things', '--output', 'ya'), ['yaml', 'yaml-stream']);
    assert.deepEqual(bash1('iot', 'describe-thing', '--generate-cli-skeleton', ''), ['input', 'output', 'yaml-input']);
    // --option=value: bash splits the word at "=".
    assert.deepEqual(bash1('iot', 'list-things', '--color', '=', ''), ['on', 'off', 'auto']);
    assert.deepEqual(bash1('iot', 'list-things', '--color', '='), ['on', 'off', 'auto']);
    // … unless "=" was taken out of COMP_WORDBREAKS: then the word is whole.
    assert.deepEqual(bash1('iot', 'list-things', '--color=o'), ['--color=on', '--color=off']);
    // A free-form value has no candidates; the word after it is an option again.
    assert.deepEqual(bash1('iot', 'describe-thing', '--thing-name', ''), []);
    assert.deepEqual(bash1('iot', 'describe-thing', '--thing-name', 'x', '--thing'), ['--thing-name']);
    // A flag takes no value.
    assert.deepEqual(bash1('iot', 'start-on-demand-audit-task', '--wait', '--tar'), ['--target-check-names']);
  });

  test('the extension commands: options, clock verbs, file names', () => {
    assert.deepEqual(bash1('clock', ''), ['advance', 'set', 'freeze', 'reset']);
    assert.deepEqual(bash1('reset', '--a'), ['--account', '--all']);
    assert.deepEqual(bash1('report', '--format', ''), ['json', 'csv', 'markdown']);
    assert.deepEqual(bash1('export', '--format', ''), ['yaml', 'json']);
    assert.ok(bash1('preview', '--').includes('--audit-check-to-actions-mapping'));
    assert.ok(!bash1('preview', '--').includes('--wait'));
    assert.ok(bash1('serve', '--').includes('--port'));
    writeFileSync(join(DIR, 'fleet-file.yaml'), 'things: []\n');
    assert.deepEqual(bash1('import', 'fleet-f'), ['fleet-file.yaml']);
    assert.deepEqual(bash1('export', '--outfile', 'fleet-f'), ['fleet-file.yaml']);
  });

  test("the extension commands' listed options are the ones their --help names", async () => {
    for (const [command, { options }] of Object.entries(EXTENSION_OPTIONS)) {
      const help = await ddlocal([command, '--help']);
      for (const option of options) assert.ok(help.stdout.includes(option.name), `${command} --help does not name ${option.name}`);
    }
  });
});

describe('ddlocal completion zsh', () => {
  const ZSH = ['/usr/bin/zsh', '/bin/zsh', '/usr/local/bin/zsh'].find((p) => existsSync(p));

  function zsh(script: string): { stdout: string; stderr: string; status: number | null } {
    assert.ok(ZSH, 'zsh is not installed: CI installs it (.ci/run apt-installs zsh); install it locally with `apt-get install zsh`');
    return spawnSync(ZSH, ['-f', '-c', script], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: DIR, LANG: 'C.UTF-8', ZSH_DIR, ZSH_SCRIPT },
      timeout: 30_000,
    });
  }

  test('zsh is installed', () => {
    assert.ok(ZSH, 'zsh is not installed: CI installs it (.ci/run apt-installs zsh); install it locally with `apt-get install zsh`');
  });

  test('sourced into plain zsh, the function offers candidates (compadd recorded)', () => {
    const r = zsh(`
      source "$ZSH_SCRIPT" || exit 9
      # Records the candidates: the arguments after "--".
      compadd() { local -a args; args=("$@"); print -r -- "\${(j: :)args[\${args[(i)--]}+1,-1]}" }
      words=(ddlocal ''); CURRENT=2; _ddlocal
      words=(ddlocal iot list-th); CURRENT=3; _ddlocal
      words=(ddlocal iot start-audit-mitigation-actions-task --); CURRENT=4; _ddlocal
      words=(ddlocal iot list-audit-tasks --task-status ''); CURRENT=5; _ddlocal
      words=(ddlocal iot list-things --output=y); CURRENT=4; compset() { : }; _ddlocal
    `);
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
    const [top, listTh, options, status, output] = r.stdout.split('\n');
    assert.ok(top!.split(' ').includes('iot') && top!.split(' ').includes('serve'), top);
    assert.ok(listTh!.split(' ').includes('list-things') && listTh!.split(' ').includes('list-thing-groups'), listTh);
    for (const option of ['--task-id', '--target', '--audit-check-to-actions-mapping', '--client-request-token', '--cli-input-json', '--generate-cli-skeleton']) {
      assert.ok(options!.split(' ').includes(option), `${option} missing from ${options}`);
    }
    assert.equal(status, 'IN_PROGRESS COMPLETED FAILED CANCELED');
    assert.equal(output, 'json text table yaml yaml-stream');
  });

  test('saved in $fpath, compinit picks it up and TAB completes typed lines (zsh on a pty)', () => {
    const r = zsh(`
      zmodload zsh/zpty || exit 9
      out="$ZSH_DIR/lines"
      zpty z 'zsh -f -i'
      zpty -w z 'fpath=("$ZSH_DIR" $fpath); autoload -Uz compinit; compinit -u -D; setopt nobeep; ddlocal() { : }; show() { print -r -- "$_comps[ddlocal]|$BUFFER" >> "$ZSH_DIR/lines"; BUFFER="" }; zle -N show; bindkey "^Xs" show'
      zpty -w -n z $'ddlocal iot list-things --max-r\\t\\x18s'
      zpty -w -n z $'ddlocal iot list-audit-tasks --task-status IN_P\\t\\x18s'
      zpty -w -n z $'ddlocal iot start-audit-mitigation-actions-task --audit-c\\t\\x18s'
      zpty -w -n z $'ddlocal comp\\t\\x18s'
      for i in {1..200}; do [[ -f $out && $(wc -l < $out) -ge 4 ]] && break; sleep 0.05; done
      zpty -d z
      cat $out
    `);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.split('\n').filter((l) => l !== ''), [
      '_ddlocal|ddlocal iot list-things --max-results ',
      '_ddlocal|ddlocal iot list-audit-tasks --task-status IN_PROGRESS ',
      '_ddlocal|ddlocal iot start-audit-mitigation-actions-task --audit-check-to-actions-mapping ',
      '_ddlocal|ddlocal completion ',
    ]);
  });

  test('the zsh script carries the same data as the bash script', () => {
    const data = (text: string) => text.slice(text.indexOf('_ddlocal_commands='), text.indexOf('# bash:') >= 0 ? text.indexOf('# bash:') : text.indexOf('# zsh:'));
    const withoutDescriptions = (text: string) => text.replace(/typeset -gA _ddlocal_descriptions\n_ddlocal_descriptions=\(.*\)\n/, '');
    assert.equal(withoutDescriptions(data(zshText)), data(bashText));
    assert.ok(readFileSync(ZSH_SCRIPT, 'utf8').startsWith('#compdef ddlocal'));
  });
});
