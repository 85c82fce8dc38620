import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { newToken } from '../../src/auth/crypto.ts';
import type { Database } from '../../src/db/connection.ts';
import type { Role } from '../../src/db/schema.ts';
import { dataVersion } from '../../src/db/queries/papers.ts';
import { importFiles, listInputFiles } from '../../src/importers/import-files.ts';
import { sessionMember, type SessionMember } from '../helpers/members.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');
const PAPER = '2511.01678'; // no organization
const OTHER = '2510.22115'; // inclusionAI, from Hugging Face
const THIRD = '2503.08638';
const NOW = new Date('2025-11-20T12:00:00.000Z');
const HOSTILE = '<script>alert("x")</script> & Co';

for (const engine of ENGINES) {
  describe(`organizations on ${engine}`, () => {
    let database: Database;
    let server: TestServer;
    before(async () => {
      database = await openTestDatabase(engine);
      await importFiles(database, await listInputFiles([path.join(FIXTURES, 'hf-daily')]));
      server = await startTestServer(database, { now: () => NOW });
    });
    after(async () => {
      await server.close();
      await database.close();
    });

    const member = (username: string, role: Role = 'member') => sessionMember(database, () => server.base, username, { role });
    type Member = SessionMember;
    const anonPage = async (p: string) => (await fetch(server.base + p)).text();
    const orgOf = async (paper: string) => {
      const r = await database.db.selectFrom('papers').leftJoin('organizations as o', 'o.id', 'papers.organization_id').select('o.name').where('papers.id', '=', paper).executeTakeFirstOrThrow();
      return r.name;
    };

    let admin: Member;
    let editor: Member;
    let ada: Member;
    let bob: Member;
    let carl: Member;
    before(async () => {
      admin = await member('root-admin', 'admin');
      editor = await member('eddie', 'editor');
      ada = await member('ada');
      bob = await member('bob');
      carl = await member('carl');
    });

    test('only admins reach /admin/organizations: anonymous visitors log in, members and editors get 403', async () => {
      const anon = await fetch(`${server.base}/admin/organizations`, { redirect: 'manual' });
      assert.equal(anon.status, 303);
      assert.equal(anon.headers.get('location'), `/login?next=${encodeURIComponent('/admin/organizations')}`);
      assert.equal((await ada.get('/admin/organizations')).status, 403);
      assert.equal((await editor.get('/admin/organizations')).status, 403);
      assert.equal((await ada.form('/admin/organizations', { name: 'sneaky' })).status, 403);
      const page = await admin.page('/admin/organizations');
      assert.match(page, /<form method="post" action="\/admin\/organizations">\s*<input type="hidden" name="_csrf" value="[\w-]{43}">/);
      assert.match(page, /inclusionAI/, 'imported organizations are listed');
      assert.equal((await admin.form('/admin/organizations', { name: 'no-token' }, false)).status, 403, 'no CSRF token, no change');
      assert.equal(await database.db.selectFrom('organizations').select('id').where('name', '=', 'no-token').executeTakeFirst(), undefined);
    });

    test('an admin creates organizations and names members; validation errors are 400 and escaped', async () => {
      const before = await dataVersion(database.db);
      const r = await admin.form('/admin/organizations', { name: 'acme-lab', fullname: HOSTILE, avatar_url: 'https://example.org/acme.png' });
      assert.equal(r.status, 303, await r.clone().text());
      assert.equal(r.headers.get('location'), '/admin/organizations/acme-lab');
      assert.ok((await dataVersion(database.db)) > before);
      assert.equal((await admin.form('/admin/organizations', { name: 'beta.org', fullname: 'Beta' })).status, 303);
      assert.equal((await admin.form('/admin/organizations', { name: 'ACME-LAB' })).status, 409, 'names are unique whatever the case');

      const bads: Record<string, string>[] = [
        { name: '<b>bad</b>', fullname: '' },
        { name: '-dash', fullname: '' },
        { name: 'x'.repeat(65), fullname: '' },
        { name: 'ok-name', avatar_url: 'javascript:alert(1)' },
        { name: 'ok-name', avatar_url: 'ftp://example.org/a.png' },
        { name: 'ok-name', fullname: 'y'.repeat(101) },
      ];
      for (const bad of bads) {
        const res = await admin.form('/admin/organizations', bad);
        assert.equal(res.status, 400, JSON.stringify(bad));
        const text = await res.text();
        assert.match(text, /class="form-error"/);
        assert.doesNotMatch(text, /<b>bad<\/b>/, 'what was typed comes back escaped');
      }
      assert.match(await (await admin.form('/admin/organizations', { name: '<b>bad</b>' })).text(), /value="&lt;b&gt;bad&lt;\/b&gt;"/);
      assert.equal(await database.db.selectFrom('organizations').select('id').where('name', '=', 'ok-name').executeTakeFirst(), undefined);

      // Members: add by username (unknown: 400), twice: 409; remove.
      assert.equal((await admin.form('/admin/organizations/acme-lab/members', { username: 'ada' })).status, 303);
      assert.equal((await admin.form('/admin/organizations/acme-lab/members', { username: 'carl' })).status, 303);
      assert.equal((await admin.form('/admin/organizations/acme-lab/members', { username: 'ada' })).status, 409);
      assert.equal((await admin.form('/admin/organizations/acme-lab/members', { username: 'nobody-here' })).status, 400);
      assert.equal((await admin.form('/admin/organizations/beta.org/members', { username: 'bob' })).status, 303);
      assert.equal((await admin.form('/admin/organizations/acme-lab/members/remove', { username: 'carl' })).status, 303);
      assert.equal((await admin.form('/admin/organizations/acme-lab/members/remove', { username: 'carl' })).status, 409);
      assert.equal((await admin.form('/admin/organizations/missing/members', { username: 'ada' })).status, 404);
      assert.equal((await ada.form('/admin/organizations/acme-lab/members', { username: 'bob' })).status, 403, 'members do not name members');

      // Edit: display name and avatar; bad avatar 400.
      assert.equal((await admin.form('/admin/organizations/beta.org', { fullname: 'Beta Research', avatar_url: '' })).status, 303);
      assert.equal((await admin.form('/admin/organizations/beta.org', { fullname: 'Beta', avatar_url: 'data:image/png;base64,xx' })).status, 400);
      const beta = await database.db.selectFrom('organizations').selectAll().where('name', '=', 'beta.org').executeTakeFirstOrThrow();
      assert.deepEqual({ fullname: beta.fullname, avatar: beta.avatar_url }, { fullname: 'Beta Research', avatar: null });

      const edit = await admin.page('/admin/organizations/acme-lab');
      assert.match(edit, /<a href="\/users\/ada">ada<\/a>/);
      assert.doesNotMatch(edit, /\/users\/carl/);
      assert.doesNotMatch(edit, /<script>alert/);
      assert.match(edit, /&lt;script&gt;alert/);
      assert.doesNotMatch(await admin.page('/admin/organizations'), /<script>alert/);
    });

    test('a member attaches a paper to their organization; it shows on the organization page with its members', async () => {
      // The paper page offers the member their organizations, with the CSRF token.
      const page = await ada.page(`/papers/${PAPER}`);
      assert.match(page, new RegExp(`<form class="mod-form" method="post" action="/papers/${PAPER}/organization">\\s*<input type="hidden" name="_csrf" value="[\\w-]{43}">`));
      assert.match(page, /<option value="acme-lab">&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; Co \(acme-lab\)<\/option>/);
      assert.doesNotMatch(page, /<option value="beta\.org">/, 'not an organization she belongs to');
      assert.doesNotMatch(await carl.page(`/papers/${PAPER}`), /\/organization"/, 'no form for members of no organization');
      assert.doesNotMatch(await anonPage(`/papers/${PAPER}`), /\/organization"/);

      const anonOrg = await anonPage('/organizations/acme-lab'); // cached before the change
      assert.match(anonOrg, /No papers here yet/);
      const before = await dataVersion(database.db);
      const r = await ada.form(`/papers/${PAPER}/organization`, { organization: 'acme-lab' });
      assert.equal(r.status, 303, await r.clone().text());
      assert.equal(r.headers.get('location'), `/papers/${PAPER}`);
      assert.equal(await orgOf(PAPER), 'acme-lab');
      assert.ok((await dataVersion(database.db)) > before);
      assert.equal((await ada.form(`/papers/${PAPER}/organization`, { organization: 'acme-lab' })).status, 409);

      const org = await anonPage('/organizations/acme-lab');
      assert.match(org, new RegExp(`href="/papers/${PAPER}"`));
      assert.match(org, /Members: <a href="\/users\/ada">ada<\/a>/);
      assert.doesNotMatch(org, /<script>alert/);
      assert.match(org, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; Co/);
      // The avatar is shown only once stored on this site (src/images/fetch.ts), never hot-linked.
      assert.doesNotMatch(org, /<img src="https:\/\/example\.org\/acme\.png"/);
      const paper = await anonPage(`/papers/${PAPER}`);
      assert.match(paper, /<dt>Organization<\/dt><dd><a href="\/organizations\/acme-lab">&lt;script&gt;/);
      assert.doesNotMatch(paper, /<script>alert/);
      assert.doesNotMatch(await anonPage('/organizations/inclusionAI'), /Members:/, 'no members line without members');
    });

    test('a member of another organization is refused; a plain member is refused; anonymous visitors log in', async () => {
      // bob (beta.org) can neither take ada's paper into beta.org, nor detach it, nor attach to acme-lab.
      assert.equal((await bob.form(`/papers/${PAPER}/organization`, { organization: 'beta.org' })).status, 403);
      assert.equal((await bob.form(`/papers/${PAPER}/organization/remove`)).status, 403);
      assert.equal((await bob.form(`/papers/${THIRD}/organization`, { organization: 'acme-lab' })).status, 403);
      assert.doesNotMatch(await bob.page(`/papers/${PAPER}`), /\/organization"/, 'no form on a paper of another organization');
      // carl belongs to none.
      assert.equal((await carl.form(`/papers/${THIRD}/organization`, { organization: 'acme-lab' })).status, 403);
      assert.equal((await carl.form(`/papers/${PAPER}/organization/remove`)).status, 403);
      assert.equal(await orgOf(PAPER), 'acme-lab');
      assert.equal(await orgOf(THIRD), null);
      // Unknown organization or paper.
      assert.equal((await ada.form(`/papers/${THIRD}/organization`, { organization: 'no-such-org' })).status, 400);
      assert.equal((await ada.form(`/papers/${THIRD}/organization`, { organization: '' })).status, 400);
      assert.equal((await ada.form('/papers/2401.99999/organization', { organization: 'acme-lab' })).status, 404);
      // Without the CSRF token: refused.
      assert.equal((await ada.form(`/papers/${THIRD}/organization`, { organization: 'acme-lab' }, false)).status, 403);
      assert.equal(await orgOf(THIRD), null);
      // Anonymous (with a valid CSRF pair): sent to log in.
      const csrf = newToken();
      const anon = await fetch(`${server.base}/papers/${THIRD}/organization`, {
        method: 'POST', redirect: 'manual', headers: { cookie: `dp_csrf=${csrf}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, organization: 'acme-lab' }).toString(),
      });
      assert.equal(anon.status, 303);
      assert.equal(anon.headers.get('location'), `/login?next=${encodeURIComponent(`/papers/${THIRD}`)}`);
    });

    test('an editor attaches any paper to any organization, and detaches; a member detaches their own', async () => {
      const page = await editor.page(`/papers/${OTHER}`);
      assert.match(page, /<option value="beta\.org">/);
      assert.match(page, /Detach from inclusionAI/);
      assert.equal((await editor.form(`/papers/${OTHER}/organization`, { organization: 'beta.org' })).status, 303);
      assert.equal(await orgOf(OTHER), 'beta.org');
      assert.match(await anonPage('/organizations/beta.org'), new RegExp(`href="/papers/${OTHER}"`));
      assert.equal((await editor.form(`/papers/${PAPER}/organization/remove`)).status, 303);
      assert.equal(await orgOf(PAPER), null);
      assert.equal((await editor.form(`/papers/${PAPER}/organization/remove`)).status, 409);
      assert.doesNotMatch(await anonPage('/organizations/acme-lab'), new RegExp(`href="/papers/${PAPER}"`));

      // bob detaches the paper of his organization.
      const r = await bob.form(`/papers/${OTHER}/organization/remove`, { next: `/organizations/beta.org` });
      assert.equal(r.status, 303);
      assert.equal(r.headers.get('location'), '/organizations/beta.org');
      assert.equal(await orgOf(OTHER), null);
    });
  });
}
