/**
 * A cap on request bodies. The body is read up to the cap; a bigger one is answered with a clear
 * error after draining a little more of it (hono's bodyLimit answers before reading, which resets the
 * connection under a client that is still sending, so the client never sees the message).
 */
import type { MiddlewareHandler } from 'hono';
import { htmlError, type AppEnv, type Deps } from '../context.ts';

/** Any form or JSON request: the largest legitimate one (a long comment) is far below this. */
export const MAX_REQUEST_BYTES = 256 * 1024;

/** Beyond the limit, this much more is read and dropped so that the client hears the answer; past it, the connection just ends. */
const MAX_DRAIN_BYTES = 1024 * 1024;

export const limitBody =
  (maxBytes: number, message: string, deps?: Deps, opts: { files?: boolean } = {}): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    // GETs carry no body; touching c.req.raw would make the server build a full Request object.
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS') return next();
    const stream = c.req.raw.body;
    if (!stream) return next();
    const reader = stream.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size <= maxBytes) chunks.push(value);
      else if (size > maxBytes + MAX_DRAIN_BYTES) {
        await reader.cancel().catch(() => {});
        break;
      }
    }
    if (size > maxBytes) {
      if (c.req.path.startsWith('/api/') || !deps) return c.json({ error: message }, 413);
      return htmlError(c, deps, 413, 'Too much to send', message);
    }
    let body = Buffer.concat(chunks);
    const form = (c.req.header('content-type') ?? '').startsWith('application/x-www-form-urlencoded');
    // Uploaded files (library imports) are judged by their reader, which names what is wrong with the file.
    if (!opts.files && holdsNul(body, form)) {
      // A form's NULs (invisible; pasted, or sent by a script) are dropped; a program's JSON gets a 400 that says why.
      if (form) body = withoutNul(body);
      else {
        const why = 'Text may not contain the NUL character (\\0, \\u0000 or %00): remove it and send again.';
        if (c.req.path.startsWith('/api/') || !deps) return c.json({ error: why }, 400);
        return htmlError(c, deps, 400, 'This cannot be accepted', why);
      }
    }
    c.req.raw = new Request(c.req.raw, { body });
    return next();
  };

/**
 * A NUL in a form field or a JSON string: PostgreSQL's text cannot hold it (the insert fails: comments, saved
 * searches and token names answered 500), and no legitimate text has one. Raw, percent-encoded in a form, or
 * escaped in JSON (a JSON text that spells a backslash before "u0000" is refused too, which no person writes).
 */
function holdsNul(body: Buffer, form: boolean): boolean {
  return body.includes(0) || (form ? /%00/ : /\\u0000/i).test(body.toString('latin1'));
}

/** A URL-encoded form without its NULs: in that encoding `%00` is always one (a typed "%00" is sent as `%2500`). */
function withoutNul(body: Buffer): Buffer<ArrayBuffer> {
  return Buffer.from(body.toString('latin1').replace(/%00|\0/g, ''), 'latin1');
}
