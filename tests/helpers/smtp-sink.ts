/**
 * A real SMTP server for delivery tests and the digest benchmark: it counts what it accepted (a message is
 * delivered when the server answers 250 to its data, as with any MTA), and can reject recipients (5xx),
 * listen on a chosen port (to be "down" first, then "up"), or stall: hold the answer to new messages, so a
 * test can kill the sender while messages are in flight but not accepted.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface SinkMessage {
  to: string[];
  messageId: string | null;
  /** The header block, raw (unfolded lines kept as sent). */
  headers: string;
  /** The raw message, when `keep` is on. */
  raw?: string;
}

export interface SmtpSink {
  url: string;
  port: number;
  accepted: SinkMessage[];
  /** Accepted messages per recipient. */
  countByRecipient(): Map<string, number>;
  /** Recipients to refuse at RCPT TO with 550. */
  reject: Set<string>;
  /** Hold the 250 of every message from now on (they are never accepted), or release that mode. */
  setStalled(stalled: boolean): void;
  /** Resolves when at least `n` messages have been accepted. */
  waitForCount(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface SinkOptions {
  port?: number;
  /** Keep each raw message (tests); the benchmark discards bodies. */
  keep?: boolean;
}

export async function startSmtpSink(opts: SinkOptions = {}): Promise<SmtpSink> {
  const accepted: SinkMessage[] = [];
  const reject = new Set<string>();
  let stalled = false;
  const waiters: { n: number; resolve: () => void }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 10 * 1024 * 1024,
    onRcptTo(address, _session, callback) {
      if (reject.has(address.address.toLowerCase())) {
        return callback(Object.assign(new Error('5.1.1 no such user here'), { responseCode: 550 }));
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let headerDone = false;
      let size = 0;
      stream.on('data', (c: Buffer) => {
        size += c.length;
        if (opts.keep || !headerDone) chunks.push(c);
        if (!headerDone && Buffer.concat(chunks).includes('\r\n\r\n')) headerDone = true;
      });
      stream.on('end', () => {
        if (stalled) return; // never answered: the sender does not get its 250
        const text = Buffer.concat(chunks).toString('utf8');
        const headers = text.slice(0, text.indexOf('\r\n\r\n') >= 0 ? text.indexOf('\r\n\r\n') : text.length);
        const messageId = /^Message-ID:\s*(<[^>]+>)/im.exec(headers)?.[1] ?? null;
        accepted.push({ to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()), messageId, headers, ...(opts.keep ? { raw: text } : {}) });
        void size;
        callback();
        for (const w of [...waiters]) if (accepted.length >= w.n) (waiters.splice(waiters.indexOf(w), 1), w.resolve());
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    accepted,
    reject,
    countByRecipient() {
      const m = new Map<string, number>();
      for (const a of accepted) for (const t of a.to) m.set(t, (m.get(t) ?? 0) + 1);
      return m;
    },
    setStalled: (s) => (stalled = s),
    waitForCount(n, timeoutMs = 15_000) {
      if (accepted.length >= n) return Promise.resolve();
      return new Promise((resolve, rejectP) => {
        const timer = setTimeout(() => rejectP(new Error(`only ${accepted.length} of ${n} messages arrived`)), timeoutMs);
        waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
    close: () =>
      new Promise((resolve) => {
        // Connections a killed client left open would hold close() for its timeout: end them now.
        for (const c of (server as unknown as { connections: Set<{ close(): void }> }).connections ?? []) {
          try {
            c.close();
          } catch {
            // already gone
          }
        }
        server.close(() => resolve());
      }),
  };
}
