// A pino logger writing JSON lines into an array, so a test can read what an operator would read.
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

export function memoryLogger(): { logger: Logger; lines: Record<string, any>[] } {
  const lines: Record<string, any>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}
