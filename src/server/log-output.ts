// Where `ddlocal serve` writes its log: JSON lines for machines, or pino-pretty's readable lines for a person at a
// terminal (`--log-format auto|json|pretty`, docs/observability.md).
//
// Pretty output is formatted in-process and synchronously (pino-pretty's prettyFactory, not its worker transport)
// and written to the same stdout stream as the JSON lines and the ready line would be. A worker thread would format
// lines on its own schedule, so a start-up warning could reach the terminal after the ready line again — the race
// serve.ts exists to prevent.
import type { DestinationStream } from 'pino';
import { isColorSupported, prettyFactory } from 'pino-pretty';
import type { LogFormat } from './config.js';

/** The stream ddlocal's own writes (the ready line) share with the log, so both keep one order. */
export interface LineSink {
  write(text: string): unknown;
}

/** `auto` is `pretty` on a terminal and `json` anywhere else (a pipe, a file, a container log collector). */
export function resolvedLogFormat(format: LogFormat, isTerminal: boolean): 'json' | 'pretty' {
  if (format === 'auto') return isTerminal ? 'pretty' : 'json';
  return format;
}

/**
 * The pino destination for `format`, writing into `sink`. Colours only on a terminal, and not when the user's
 * environment asks for none (NO_COLOR, as pino-pretty reads it).
 */
export function logDestination(format: 'json' | 'pretty', sink: LineSink, isTerminal: boolean): DestinationStream {
  if (format === 'json') return sink as DestinationStream;
  const pretty = prettyFactory({
    colorize: isTerminal && isColorSupported,
    translateTime: 'SYS:HH:MM:ss.l',
    // The event name repeats what the message says; the other fields stay, indented under the line.
    ignore: 'pid,hostname,event',
    singleLine: false,
  });
  return { write: (line: string) => sink.write(pretty(line)) };
}
