// The completion scripts printed by `ddlocal completion bash|zsh` (docs/cli-completion.md). Both carry the same
// data and the same decision function, `_ddlocal_complete`, written in the part of the shell language that bash and
// zsh read alike (no arrays, no word splitting); each shell then has a small entry function that reads its own
// completion variables (COMP_WORDS / words) and hands the candidates over (compgen+COMPREPLY / compadd).
// Everything is static: pressing TAB runs no ddlocal process.
import type { Arity, CompletionData, CompletionOption, Shell } from './data.js';

/** Words that need no quoting in a shell (every name and enum value in the model is one; anything else is left out). */
const PLAIN_WORD = /^[A-Za-z0-9_.:@%+,\/-]+$/;

function words(list: readonly string[]): string {
  return list.filter((w) => PLAIN_WORD.test(w)).join(' ');
}

function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A place where options are read: `<top-level command>:<iot command>`, e.g. `iot:list-things`, `serve:`, `:` (before any command). */
interface Context {
  key: string;
  /** Options of this place, the global options excluded. */
  options: CompletionOption[];
  globals: boolean;
  /** Words allowed as the first positional argument here. */
  words?: readonly string[];
  fileArgument?: boolean;
}

function contexts(data: CompletionData): Context[] {
  const globalNames = new Set(data.globals.map((o) => o.name));
  // A command option named like a global option never reaches the command: the global parser takes it first.
  const withoutGlobals = (options: CompletionOption[]) => options.filter((o) => !globalNames.has(o.name));
  const help: CompletionOption = { name: '--help', arity: 'none' };
  const list: Context[] = [{ key: ':', options: withoutGlobals(data.programOptions), globals: true }];
  for (const command of data.commands) {
    if (command.name === 'iot') {
      list.push({ key: 'iot:', options: [help], globals: true });
      for (const [name, options] of data.iot) list.push({ key: `iot:${name}`, options: withoutGlobals(options), globals: true, words: ['help'] });
      continue;
    }
    const context: Context = { key: `${command.name}:`, options: command.globals ? withoutGlobals(command.options) : command.options, globals: command.globals };
    if (command.words) context.words = command.words;
    if (command.fileArgument) context.fileArgument = true;
    list.push(context);
  }
  return list;
}

/** A case pattern matching `<context>:<option>` for the given contexts (all of them: any context). */
function pattern(option: string, keys: string[], all: boolean): string {
  return all ? `*:${option}` : keys.map((k) => `${k}:${option}`).join('|');
}

interface OptionUse {
  key: string;
  option: CompletionOption;
}

/** Every option name → where it is used and how (global options included in the contexts that take them). */
function optionUses(data: CompletionData, list: Context[]): Map<string, OptionUse[]> {
  const uses = new Map<string, OptionUse[]>();
  for (const context of list) {
    for (const option of [...context.options, ...(context.globals ? data.globals : [])]) {
      const entry = uses.get(option.name) ?? [];
      entry.push({ key: context.key, option });
      uses.set(option.name, entry);
    }
  }
  return uses;
}

function arityFunction(uses: Map<string, OptionUse[]>): string {
  const lines: string[] = [];
  for (const arity of ['none', 'list'] as Arity[]) {
    const patterns: string[] = [];
    for (const [name, entries] of uses) {
      if (name === '--help') continue; // below, for every context
      const keys = entries.filter((e) => e.option.arity === arity).map((e) => e.key);
      if (keys.length > 0) patterns.push(pattern(name, keys, keys.length === entries.length));
    }
    if (patterns.length > 0) lines.push(`    ${patterns.join('|')}) _ddlocal_arity=${arity} ;;`);
  }
  return [
    '# How many words the option $3 of `ddlocal $1 [$2]` takes: sets _ddlocal_arity to none, one or list.',
    '_ddlocal_arity_of() {',
    '  case "$1:$2:$3" in',
    // --help and -h take nothing anywhere; an option not in the tables is taken to take one value.
    '    *:--help) _ddlocal_arity=none ;;',
    ...lines,
    '    *) _ddlocal_arity=one ;;',
    '  esac',
    '}',
  ].join('\n');
}

function valuesFunction(uses: Map<string, OptionUse[]>): string {
  const lines: string[] = [];
  for (const [name, entries] of uses) {
    // Options with the same values (or the same file argument) share one branch.
    const groups = new Map<string, string[]>();
    for (const { key, option } of entries) {
      const what = option.file ? 'files' : option.values ? `words ${words(option.values)}` : '';
      if (what === '' || what === 'words ') continue;
      groups.set(what, [...(groups.get(what) ?? []), key]);
    }
    for (const [what, keys] of groups) {
      const all = keys.length === entries.length;
      const action = what === 'files' ? '_ddlocal_kind=files' : `_ddlocal_reply='${what.slice('words '.length)}'`;
      lines.push(`    ${pattern(name, keys, all)}) ${action} ;;`);
    }
  }
  return [
    '# The values of the option $3 of `ddlocal $1 [$2]`: sets _ddlocal_reply, or _ddlocal_kind=files for a file name.',
    '_ddlocal_values_of() {',
    '  case "$1:$2:$3" in',
    ...lines,
    '  esac',
    '}',
  ].join('\n');
}

/** The options every iot command has (--cli-input-json, …), in their order: written once, in $_ddlocal_iot_common. */
function iotCommonOptions(data: CompletionData): string[] {
  const all = [...data.iot.values()].map((options) => new Set(options.map((o) => o.name)));
  const first = [...data.iot.values()][0] ?? [];
  return first.map((o) => o.name).filter((name) => all.every((names) => names.has(name)));
}

function optionsFunction(list: Context[], common: string[]): string {
  const shared = new Set(common);
  const lines = list.map((c) => {
    const iotCommand = c.key.startsWith('iot:') && c.key !== 'iot:';
    const names = c.options.map((o) => o.name).filter((name) => !(iotCommand && shared.has(name)));
    const parts = [words(names), iotCommand && common.length > 0 ? '$_ddlocal_iot_common' : '', c.globals ? '$_ddlocal_globals' : ''];
    return `    ${quote(c.key)}) _ddlocal_reply="${parts.filter((p) => p !== '').join(' ')}" ;;`;
  });
  return [
    '# The options of `ddlocal $1 [$2]`: sets _ddlocal_reply.',
    '_ddlocal_options() {',
    '  case "$1:$2" in',
    ...lines,
    '  esac',
    '}',
  ].join('\n');
}

function wordsFunction(list: Context[]): string {
  const lines = list.flatMap((c) => {
    const parts: string[] = [];
    if (c.words) parts.push(`_ddlocal_reply="${words(c.words)}"`);
    if (c.fileArgument) parts.push('_ddlocal_kind=files');
    return parts.length === 0 ? [] : [`    ${quote(c.key)}) ${parts.join('; ')} ;;`];
  });
  // The many iot commands share one branch (each one's only word is `help`).
  const iot = lines.filter((l) => l.startsWith("    'iot:"));
  const rest = lines.filter((l) => !l.startsWith("    'iot:"));
  return [
    '# The first positional word of `ddlocal $1 [$2]`: sets _ddlocal_reply, or _ddlocal_kind=files for a file name.',
    '_ddlocal_first_word() {',
    '  case "$1:$2" in',
    ...(iot.length > 0 ? ["    iot:?*) _ddlocal_reply='help' ;;"] : []),
    ...rest,
    '  esac',
    '}',
  ].join('\n');
}

/** The decision: from the words before the cursor (after `ddlocal`) and the word under it, what may come. */
const DECIDE = String.raw`# Completes the word $1, which follows the words $2 … (those after ddlocal): sets _ddlocal_reply to the
# candidate words and _ddlocal_kind to words, commands (the top-level commands) or files (file names, plus the reply).
_ddlocal_complete() {
  local cur="$1" top="" sub="" pending="" arity="" positional=0 word
  shift
  _ddlocal_reply=""
  _ddlocal_kind=words
  for word in "$@"; do
    if [ -n "$pending" ]; then
      case "$word" in
        -?*) pending="" ;;
        *)
          [ "$arity" = list ] || pending=""
          continue
          ;;
      esac
    fi
    case "$word" in
      --) ;;
      --*=*) ;;
      --*)
        _ddlocal_arity_of "$top" "$sub" "$word"
        if [ "$_ddlocal_arity" != none ]; then
          pending="$word"
          arity="$_ddlocal_arity"
        fi
        ;;
      -*) ;;
      *)
        if [ -z "$top" ]; then
          top="$word"
        elif [ "$top" = iot ] && [ -z "$sub" ]; then
          sub="$word"
        else
          positional=$((positional + 1))
        fi
        ;;
    esac
  done
  if [ -n "$pending" ]; then
    case "$cur" in
      -?*) ;;
      *)
        _ddlocal_values_of "$top" "$sub" "$pending"
        return 0
        ;;
    esac
  fi
  case "$cur" in
    -*)
      _ddlocal_options "$top" "$sub"
      return 0
      ;;
  esac
  if [ -z "$top" ]; then
    _ddlocal_reply="$_ddlocal_commands"
    _ddlocal_kind=commands
    return 0
  fi
  if [ "$top" = iot ] && [ -z "$sub" ]; then
    _ddlocal_reply="$_ddlocal_iot_commands"
    return 0
  fi
  [ "$positional" -eq 0 ] && _ddlocal_first_word "$top" "$sub"
  # A word typed: it can only be a positional word. Nothing typed: the positional words a command expects (clock's
  # verbs, the shells), else its options (an iot command's only word, help, is not worth listing).
  [ -n "$cur" ] && return 0
  case "$_ddlocal_reply" in
    '' | help) ;;
    *) return 0 ;;
  esac
  _ddlocal_reply=""
  _ddlocal_options "$top" "$sub"
  return 0
}`;

const BASH_ENTRY = String.raw`# bash: complete -F entry point. COMP_WORDBREAKS splits --option=value at "=", so "=" is dropped here and the
# value is completed as the word after the option.
_ddlocal() {
  local cword=$COMP_CWORD cur="${'$'}{COMP_WORDS[COMP_CWORD]}" prefix=""
  local -a before
  if [[ "$cur" == --*=* ]]; then
    # "=" taken out of COMP_WORDBREAKS: the word is whole, and so must the candidates be.
    before=("${'$'}{COMP_WORDS[@]:1:cword-1}" "${'$'}{cur%%=*}")
    prefix="${'$'}{cur%%=*}="
    cur="${'$'}{cur#*=}"
  elif [ "$cur" = "=" ] && [ "$cword" -ge 2 ]; then
    cur=""
    before=("${'$'}{COMP_WORDS[@]:1:cword-1}")
  elif [ "$cword" -ge 3 ] && [ "${'$'}{COMP_WORDS[cword-1]}" = "=" ]; then
    before=("${'$'}{COMP_WORDS[@]:1:cword-2}")
  else
    before=("${'$'}{COMP_WORDS[@]:1:cword-1}")
  fi
  _ddlocal_complete "$cur" "${'$'}{before[@]}"
  local IFS=$' \t\n'
  COMPREPLY=()
  if [ -n "${'$'}{_ddlocal_reply// /}" ]; then
    COMPREPLY=($(compgen -W "$_ddlocal_reply" -- "$cur"))
  fi
  if [ "$_ddlocal_kind" = files ]; then
    compopt -o filenames 2>/dev/null
    local file
    while IFS= read -r file; do
      COMPREPLY+=("$file")
    done < <(compgen -f -- "$cur")
  fi
  if [ -n "$prefix" ]; then
    local i
    for i in "${'$'}{!COMPREPLY[@]}"; do
      COMPREPLY[i]="$prefix${'$'}{COMPREPLY[i]}"
    done
  fi
  return 0
}
complete -F _ddlocal ddlocal`;

const ZSH_ENTRY = String.raw`# zsh: the completion function. --option=value arrives as one word: the value is completed after "=".
_ddlocal() {
  emulate -L zsh
  local cur="${'$'}{words[CURRENT]}" ret=1
  local -a before candidates
  before=("${'$'}{(@)words[2,CURRENT-1]}")
  if [[ "$cur" == --*=* ]]; then
    before+=("${'$'}{cur%%=*}")
    compset -P '*='
    cur="${'$'}{cur#*=}"
  fi
  _ddlocal_complete "$cur" "${'$'}{before[@]}"
  candidates=(${'$'}{=_ddlocal_reply})
  if [[ "$_ddlocal_kind" == commands ]]; then
    local -a shown
    local name
    for name in "${'$'}{candidates[@]}"; do
      shown+=("$name  -- ${'$'}{_ddlocal_descriptions[$name]}")
    done
    (( ${'$'}#candidates )) && compadd -l -d shown -- "${'$'}{candidates[@]}" && ret=0
  else
    (( ${'$'}#candidates )) && compadd -- "${'$'}{candidates[@]}" && ret=0
  fi
  if [[ "$_ddlocal_kind" == files ]]; then
    if (( ${'$'}+functions[_files] )); then
      _files && ret=0
    else
      compadd -f -- "$cur"*(N) && ret=0
    fi
  fi
  return ret
}

if [[ "${'$'}{funcstack[1]-}" == _ddlocal ]]; then
  # Loaded from fpath by compinit's autoload: this file is the body of _ddlocal, now defined; complete with it.
  _ddlocal "$@"
elif (( ${'$'}+functions[compdef] )); then
  compdef _ddlocal ddlocal
fi`;

export function completionScript(shell: Shell, data: CompletionData): string {
  const list = contexts(data);
  const uses = optionUses(data, list);
  const common = iotCommonOptions(data);
  const topLevel = data.commands.map((c) => c.name);
  const header =
    shell === 'zsh'
      ? ['#compdef ddlocal', '# zsh completion for ddlocal. Save as _ddlocal in a folder of $fpath (before compinit runs), or', '# source it after compinit: source <(ddlocal completion zsh)']
      : ['# bash completion for ddlocal. Load it with: source <(ddlocal completion bash)'];
  const dataLines = [
    `_ddlocal_commands='${words(topLevel)}'`,
    `_ddlocal_iot_commands='${words([...data.iot.keys(), 'help'])}'`,
    `_ddlocal_globals='${words(data.globals.map((o) => o.name))}'`,
    `_ddlocal_iot_common='${words(common)}'`,
  ];
  if (shell === 'zsh') {
    dataLines.push(
      'typeset -gA _ddlocal_descriptions',
      `_ddlocal_descriptions=(${data.commands.map((c) => `${c.name} ${quote(c.description)}`).join(' ')})`,
    );
  }
  return [
    ...header,
    '# Generated by `ddlocal completion` from the model this ddlocal implements; regenerate after upgrading ddlocal.',
    '',
    ...dataLines,
    '',
    optionsFunction(list, common),
    '',
    arityFunction(uses),
    '',
    valuesFunction(uses),
    '',
    wordsFunction(list),
    '',
    DECIDE,
    '',
    shell === 'bash' ? BASH_ENTRY : ZSH_ENTRY,
    '',
  ].join('\n');
}
