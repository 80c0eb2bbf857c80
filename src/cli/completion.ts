// `emovoice completion bash|zsh`: prints a shell completion script for every command, its options,
// the choices an option or argument takes, and the profile names in the profile folder. The script is
// generated from the commands themselves (each module registered into a scratch program), so it never
// lists a flag that does not exist; it is static, so pressing TAB starts no Node process. Printing it
// loads every command module (once, at install time); everything else here is pure text generation.
import { Argument, Command, type Option } from 'commander';
import { readdir } from 'node:fs/promises';
import { CONFIGS_DIR, VERSION } from './common.ts';
import { COMMANDS, makeProgram } from './main.ts';

export interface OptionSpec {
  flags: string[];
  description: string;
  /** What follows the flag: nothing, a value from `choices`, a profile name, or anything (a path). */
  value: 'none' | 'choice' | 'profile' | 'any';
  choices: string[];
}

export interface CommandSpec {
  name: string;
  description: string;
  options: OptionSpec[];
  /** Choices for the first word after the command: its subcommands (import piper), or its first argument's fixed set (completion bash|zsh). */
  argChoices: string[];
}

export interface CompletionSpec {
  globalOptions: OptionSpec[];
  commands: CommandSpec[];
  profiles: string[];
}

const HELP: OptionSpec = { flags: ['-h', '--help'], description: 'display help', value: 'none', choices: [] };

// Placeholder words that name a kind of value rather than list literal choices (`<name|path>`).
const META_WORDS = new Set(['name', 'path', 'dir', 'file', 'manifest', 'value', 'n', 's', 'ms']);

/** An option's choices: commander's .choices(), else the alternatives of a `<ort|trt>` placeholder. */
function choicesOf(o: Option): string[] {
  if (o.argChoices?.length) return [...o.argChoices];
  const m = /<([a-z0-9_-]+(?:\|[a-z0-9_-]+)+)>/.exec(o.flags);
  if (!m) return [];
  const alts = m[1]!.split('|');
  return alts.some((a) => META_WORDS.has(a)) ? [] : alts;
}

export function optionSpec(o: Option): OptionSpec {
  const flags = [o.short, o.long].filter((f): f is string => !!f);
  const takesValue = o.required || o.optional;
  const choices = takesValue ? choicesOf(o) : [];
  const value = !takesValue ? 'none' : o.long === '--profile' ? 'profile' : choices.length ? 'choice' : 'any';
  return { flags, description: o.description, value, choices };
}

export function commandSpec(cmd: Command): CommandSpec {
  const first = (cmd.registeredArguments as readonly Argument[])[0];
  return {
    name: cmd.name(),
    description: cmd.description(),
    options: [...cmd.options.filter((o) => !o.hidden).map(optionSpec), HELP],
    argChoices: cmd.commands.length ? cmd.commands.map((c) => c.name()) : first?.argChoices ? [...first.argChoices] : [],
  };
}

/** Every command as it registers itself, the program's own options, and the profile names on offer. */
export async function completionSpec(): Promise<CompletionSpec> {
  const program = makeProgram();
  for (const c of COMMANDS) (await c.load()).register(program);
  const version: OptionSpec = { flags: ['-V', '--version'], description: 'output the version number', value: 'none', choices: [] };
  const profiles = (await readdir(CONFIGS_DIR).catch(() => [] as string[]))
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => f.replace(/\.ya?ml$/, ''))
    .sort();
  return {
    globalOptions: [...program.options.filter((o) => o.long !== '--version').map(optionSpec), version, HELP],
    commands: program.commands.map(commandSpec),
    profiles,
  };
}

const words = (xs: string[]) => xs.join(' ');

/** bash: `complete -F`; with -o default an empty reply falls back to file names (paths, WAVs, models). */
export function bashScript(spec: CompletionSpec): string {
  const valueCase = (opts: OptionSpec[], indent: string): string[] => {
    const lines: string[] = [];
    for (const o of opts.filter((x) => x.value !== 'none')) {
      const pattern = o.flags.join('|');
      if (o.value === 'choice') lines.push(`${indent}${pattern}) COMPREPLY=($(compgen -W "${words(o.choices)}" -- "$cur")); return ;;`);
      else if (o.value === 'profile') lines.push(`${indent}${pattern}) COMPREPLY=($(compgen -W "${words(spec.profiles)}" -- "$cur") $(compgen -f -- "$cur")); return ;;`);
      else lines.push(`${indent}${pattern}) return ;;`);
    }
    return lines;
  };
  const globalValueFlags = spec.globalOptions.filter((o) => o.value !== 'none').flatMap((o) => o.flags);
  const commandCases = spec.commands.flatMap((c) => [
    `    ${c.name})`,
    `      case "$prev" in`,
    ...valueCase(c.options, '        '),
    `      esac`,
    `      if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "${words(c.options.flatMap((o) => o.flags))}" -- "$cur"))` +
      (c.argChoices.length ? `; else COMPREPLY=($(compgen -W "${words(c.argChoices)}" -- "$cur"))` : '') +
      `; fi ;;`,
  ]);
  return [
    `# bash completion for emovoice ${VERSION} (printed by \`emovoice completion bash\`)`,
    '# Install: emovoice completion bash > ~/.local/share/bash-completion/completions/emovoice',
    '#      or: source <(emovoice completion bash)   (in ~/.bashrc)',
    '_emovoice() {',
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" cmd="" i',
    '  COMPREPLY=()',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    case "${COMP_WORDS[i]}" in',
    ...(globalValueFlags.length ? [`      ${globalValueFlags.join('|')}) ((i++)) ;;`] : []),
    '      -*) ;;',
    '      *) cmd="${COMP_WORDS[i]}"; break ;;',
    '    esac',
    '  done',
    '  case "$prev" in',
    ...spec.globalOptions.filter((o) => o.value !== 'none').map((o) => `    ${o.flags.join('|')}) COMPREPLY=($(compgen -d -- "$cur")); return ;;`),
    '  esac',
    '  case "$cmd" in',
    `    "") COMPREPLY=($(compgen -W "${words([...spec.commands.map((c) => c.name), ...spec.globalOptions.flatMap((o) => o.flags)])}" -- "$cur")) ;;`,
    ...commandCases,
    '  esac',
    '}',
    'complete -o default -F _emovoice emovoice',
    '',
  ].join('\n');
}

/** Text inside single quotes in zsh. */
const sq = (s: string) => s.replace(/'/g, `'\\''`);
/** A description inside an _arguments `[...]` or a `_describe` entry. */
const desc = (s: string) => sq(s.replace(/\\/g, '\\\\').replace(/([[\]:])/g, '\\$1'));

function zshOption(o: OptionSpec, profiles: string[], files = '_files'): string {
  const action =
    o.value === 'none'
      ? ''
      : o.value === 'choice'
        ? `:${o.flags.at(-1)!.slice(2)}:(${words(o.choices)})`
        : o.value === 'profile'
          ? `:profile:{_alternative 'profiles:profile:(${words(profiles)})' 'files:file:_files'}`
          : `:${o.flags.at(-1)!.slice(2)}:${files}`;
  const text = `[${desc(o.description)}]${action}`;
  if (o.flags.length === 1) return `'${o.flags[0]}${text}'`;
  // -h and --help exclude each other
  return `'(${o.flags.join(' ')})'{${o.flags.join(',')}}'${text}'`;
}

/** zsh: a #compdef function for fpath, which also registers itself when sourced. */
export function zshScript(spec: CompletionSpec): string {
  const commandCases = spec.commands.flatMap((c) => [
    `        ${c.name})`,
    `          _arguments -s \\`,
    ...c.options.map((o) => `            ${zshOption(o, spec.profiles)} \\`),
    c.argChoices.length ? `            '1:${c.name}:(${words(c.argChoices)})' \\` : `            '*:file:_files' \\`,
    `            && ret=0 ;;`,
  ]);
  return [
    '#compdef emovoice',
    `# zsh completion for emovoice ${VERSION} (printed by \`emovoice completion zsh\`)`,
    '# Install: emovoice completion zsh > "${fpath[1]}/_emovoice"   (then restart zsh)',
    '#      or: source <(emovoice completion zsh)   (in ~/.zshrc, after compinit)',
    '_emovoice() {',
    '  local curcontext="$curcontext" state line ret=1',
    '  typeset -A opt_args',
    '  local -a commands',
    '  commands=(',
    ...spec.commands.map((c) => `    '${sq(c.name)}:${desc(c.description)}'`),
    '  )',
    '  _arguments -C \\',
    // the program's own value options are folders (--config-dir)
    ...spec.globalOptions.map((o) => `    ${zshOption(o, spec.profiles, '_files -/')} \\`),
    "    '1: :->command' \\",
    "    '*:: :->args' && ret=0",
    '  case $state in',
    "    command) _describe -t commands 'emovoice command' commands && ret=0 ;;",
    '    args)',
    '      case $line[1] in',
    ...commandCases,
    '      esac ;;',
    '  esac',
    '  return ret',
    '}',
    'if [[ "${zsh_eval_context[-1]}" == loadautofunc ]]; then',
    '  _emovoice "$@"',
    'else',
    '  compdef _emovoice emovoice',
    'fi',
    '',
  ].join('\n');
}

export function register(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script (bash or zsh)')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh']))
    .addHelpText(
      'after',
      [
        '',
        'Install:',
        '  bash: emovoice completion bash > ~/.local/share/bash-completion/completions/emovoice',
        '  zsh:  emovoice completion zsh > "${fpath[1]}/_emovoice"',
        'or add `source <(emovoice completion bash)` (zsh: after compinit) to your shell start-up file.',
      ].join('\n'),
    )
    .action(async (shell: 'bash' | 'zsh') => {
      const spec = await completionSpec();
      process.stdout.write(shell === 'bash' ? bashScript(spec) : zshScript(spec));
    });
}
