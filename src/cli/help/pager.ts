// Shows a help page the way aws does: through a pager when standard output is a terminal. The pager is MANPAGER,
// else PAGER, else `less -R` (aws's order; AWS_PAGER is for command output and is not used for help). An empty
// MANPAGER/PAGER or --no-cli-pager prints the page directly, and so does a pager that cannot be started: help never
// hangs or fails for want of a pager. Not on a terminal, the page is written as plain text.
import { spawn } from 'node:child_process';

export interface PagerIo {
  stdout: (text: string) => void;
  env: NodeJS.ProcessEnv;
  isTty: boolean;
}

/** The pager command line as words: whitespace-separated, with '…' and "…" quoting (enough for pager settings). */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let started = false;
  let quote: string | undefined;
  for (const c of line) {
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      started = true;
    } else if (c === ' ' || c === '\t' || c === '\n') {
      if (started) words.push(word);
      word = '';
      started = false;
    } else {
      word += c;
      started = true;
    }
  }
  if (started) words.push(word);
  return words;
}

export function pagerCommand(env: NodeJS.ProcessEnv): string[] {
  const setting = env.MANPAGER ?? env.PAGER ?? 'less -R';
  return splitCommandLine(setting);
}

export async function showPage(text: string, io: PagerIo, noPager: boolean): Promise<void> {
  const command = io.isTty && !noPager ? pagerCommand(io.env) : [];
  if (command.length === 0) {
    io.stdout(text);
    return;
  }
  await new Promise<void>((resolve) => {
    let started = false;
    const child = spawn(command[0]!, command.slice(1), { stdio: ['pipe', 'inherit', 'inherit'] });
    child.on('spawn', () => {
      started = true;
    });
    child.on('error', () => {
      // Not found or not executable: print the page ourselves (once, and only if the pager never ran).
      if (!started) io.stdout(text);
      resolve();
    });
    child.on('close', () => resolve());
    // The reader may quit before reading everything (q in less): that is not an error.
    child.stdin.on('error', () => {});
    child.stdin.end(text);
  });
}
