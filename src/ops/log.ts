/**
 * The process's structured log (pino): one JSON object a line when stdout is not a terminal (for journald,
 * Docker, a log shipper), one short readable line on a terminal. LOG_LEVEL sets the level; tests pass no
 * logger at all (createApp's default), so nothing is printed.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config.ts';

export type { Logger };

export interface LoggerOptions {
  level: LogLevel;
  /** Where lines go (default: stdout). */
  destination?: DestinationStream;
  /** Readable lines instead of JSON (default: when stdout is a terminal). */
  pretty?: boolean;
}

export function createLogger(opts: LoggerOptions): Logger {
  const out: DestinationStream = opts.destination ?? pino.destination({ fd: 1, sync: true });
  const pretty = opts.pretty ?? (opts.destination === undefined && process.stdout.isTTY === true);
  return pino(
    { level: opts.level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    pretty ? compactLines(out) : out,
  );
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const SKIP = new Set(['level', 'time', 'pid', 'hostname', 'msg']);

/** `12:03:04 INFO  GET /papers/:id 200 3.2 ms 14,210 B` for requests; `time LEVEL msg key=value…` otherwise. */
export function formatLine(o: Record<string, unknown>): string {
  const time = typeof o.time === 'string' ? o.time.slice(11, 19) : '';
  const level = (LEVEL_NAMES[o.level as number] ?? String(o.level)).padEnd(5);
  if (o.msg === 'request') return `${time} ${level} ${o.method} ${o.route} ${o.status} ${o.ms} ms ${o.bytes ?? '-'} B\n`;
  const rest = Object.entries(o).filter(([k]) => !SKIP.has(k)).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return `${time} ${level} ${String(o.msg ?? '')}${rest.length ? ' ' + rest.join(' ') : ''}\n`;
}

function compactLines(out: DestinationStream): DestinationStream {
  return {
    write(line: string) {
      try {
        out.write(formatLine(JSON.parse(line) as Record<string, unknown>));
      } catch {
        out.write(line);
      }
    },
  };
}
