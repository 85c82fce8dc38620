/**
 * A small HTTP client that behaves like a browser for the site's forms: it keeps cookies, reads the
 * CSRF token from the form it was shown and posts it back, and does not follow redirects (tests look at them).
 */
export class TestClient {
  cookies = new Map<string, string>();

  constructor(readonly base: string) {}

  private store(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i);
      const value = pair!.slice(i + 1);
      if (value === '' || /max-age=0/i.test(c) || /expires=Thu, 01 Jan 1970/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    const res = await fetch(this.base + path, { headers: { cookie: this.cookieHeader(), ...headers }, redirect: 'manual' });
    this.store(res);
    return res;
  }

  async post(path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    const res = await fetch(this.base + path, {
      method: 'POST',
      headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
    });
    this.store(res);
    return res;
  }

  /** The CSRF token of the form on a page (loads the page, which also sets the cookie). */
  async csrfFrom(path: string): Promise<string> {
    const html = await (await this.get(path)).text();
    const m = /name="_csrf" value="([^"]+)"/.exec(html);
    if (!m) throw new Error(`no form with a CSRF token on ${path}`);
    return m[1]!;
  }

  /** Fills and posts the form on `page` to `action`, as a person would. */
  async submit(page: string, action: string, fields: Record<string, string>): Promise<Response> {
    return this.post(action, { _csrf: await this.csrfFrom(page), ...fields });
  }
}
