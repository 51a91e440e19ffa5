// `ddlocal iot help`, `ddlocal iot <command> help` and their --help / -h forms: finds the page the command line asks
// for, renders it and shows it (through a pager on a terminal). Loaded only when a command line mentions help.
import type { CliIo } from '../iot.js';
import { helpRequest } from './request.js';
import { renderCommandHelp, renderServiceHelp } from './pages.js';
import { showPage } from './pager.js';

/** Narrow and wide terminals are clamped so that the pages stay readable. */
function pageWidth(io: CliIo): number {
  return io.isTty ? Math.min(120, Math.max(60, io.columns)) : 80;
}

/** The exit code after showing the page, or undefined when the command line is not a help request. */
export async function runHelp(argv: string[], io: CliIo): Promise<number | undefined> {
  const request = helpRequest(argv);
  if (!request) return undefined;
  const width = pageWidth(io);
  const text = request.page === 'service' ? renderServiceHelp(width) : renderCommandHelp(request.operationName, width);
  await showPage(text, io, argv.includes('--no-cli-pager'));
  return 0;
}
