/**
 * Work a request starts but does not wait for: the forms that must not tell whether an address has an account
 * (/reset, /signup) answer first and then look the address up, write the token and enqueue the mail, so that the
 * answer takes the same time either way (docs/decisions/0015-account-hardening.md). A failure is logged; a crash
 * before the work ran loses it, as a lost mail would (the person asks again).
 */
import type { Context } from 'hono';

const pending = new Set<Promise<void>>();

/**
 * Runs `task` once the answer to `c` has been written out (@hono/node-server's response emits 'close'), or on the
 * next turn of the event loop elsewhere; not awaited by the request.
 */
export function afterResponse(c: Context, what: string, task: () => Promise<unknown>): void {
  const outgoing = (c.env as { outgoing?: { writableFinished?: boolean; once(event: 'close', f: () => void): unknown } } | undefined)?.outgoing;
  const answered = new Promise<void>((resolve) => (outgoing && !outgoing.writableFinished ? outgoing.once('close', resolve) : setImmediate(resolve)));
  const run: Promise<void> = answered
    .then(task)
    .then(
      () => undefined,
      (e: unknown) => console.error(`${what}: ${(e as Error).message}`),
    )
    .finally(() => pending.delete(run));
  pending.add(run);
}

/** Resolves when the work started so far (and what it started) has ended: tests, benchmarks, shutdown. */
export async function afterResponseIdle(): Promise<void> {
  while (pending.size > 0) await Promise.all([...pending]);
}
