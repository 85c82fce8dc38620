/**
 * Images (src/images/fetch.ts): thumbnails and avatars fetched from a local stand-in for Hugging Face's CDNs
 * (real PNG and JPEG bytes made with sharp), resized to WebP, stored in the database on both engines and
 * served from /images/HASH.webp with long cache lifetimes; private addresses refused; a corrupt picture,
 * an HTML page and an oversized file recorded as failed, with a placeholder on the page; re-running is safe.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import type { Database } from '../../src/db/connection.ts';
import { importFiles, listInputFiles } from '../../src/importers/import-files.ts';
import { downloadImage, fetchPendingImages, IMAGE_DEFAULTS, type ImageFetchOptions } from '../../src/images/fetch.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';
import { createUser } from '../../src/db/queries/users.ts';
import { createCollection } from '../../src/db/queries/collections.ts';
import { startImageCdn, type ImageCdn } from '../helpers/image-cdn.ts';
import { runCli } from '../helpers/cli.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');
const DAY = '2025-11-04';
const TOP = '2510.22115'; // inclusionAI, a thumbnail
const SECOND = '2511.01678';

for (const engine of ENGINES) {
  describe(`images on ${engine}`, () => {
    let database: Database;
    let server: TestServer;
    let cdn: ImageCdn;
    let opts: ImageFetchOptions & { limit: number };
    before(async () => {
      database = await openTestDatabase(engine);
      await importFiles(database, await listInputFiles([path.join(FIXTURES, 'hf-daily')]));
      // The second paper of the day points at a picture that is not one.
      await database.db.updateTable('daily_entries').set({ thumbnail: 'https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/corrupt.png' }).where('paper_id', '=', SECOND).execute();
      cdn = await startImageCdn();
      server = await startTestServer(database);
      opts = { base: 'https://huggingface.co', via: cdn.base, allowPrivate: true, userAgent: 'test', timeoutMs: 5000, maxBytes: IMAGE_DEFAULTS.maxBytes, limit: 100 };
    });
    after(async () => {
      await server.close();
      await cdn.close();
      await database.close();
    });

    const source = (url: string) => database.db.selectFrom('image_sources').selectAll().where('url', '=', url).executeTakeFirst();

    test('before any fetch the cards show placeholders and no image of another site', async () => {
      const page = await (await fetch(`${server.base}/papers/date/${DAY}`)).text();
      assert.match(page, /class="card-thumb placeholder"/);
      assert.doesNotMatch(page, /<img[^>]+src="https?:/);
      assert.doesNotMatch(page, /cdn-thumbnails|cdn-avatars/);
    });

    test('a run stores thumbnails and avatars as small WebP files, records failures, and the cards show them', async () => {
      const r = await fetchPendingImages(database, opts);
      assert.ok(r.stored >= 5, `stored ${r.stored}`);
      // The corrupt picture and the SVG default avatars (never fetched as pictures) failed, with a reason.
      const corrupt = await source('https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/corrupt.png');
      assert.equal(corrupt?.status, 'failed');
      assert.match(corrupt?.error ?? '', /not a readable picture/);
      const svg = await database.db.selectFrom('image_sources').selectAll().where('url', 'like', '/avatars/%.svg').execute();
      assert.ok(svg.length > 0 && svg.every((s) => s.status === 'failed'));
      assert.ok(cdn.requests.some((p) => p.startsWith('/huggingface.co/avatars/')), 'relative avatars are resolved against the base');

      const thumb = await source(`https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/${TOP}.png`);
      assert.equal(thumb?.status, 'ok');
      const stored = await database.db.selectFrom('images').selectAll().where('hash', '=', thumb!.hash!).executeTakeFirstOrThrow();
      const meta = await sharp(Buffer.from(stored.data)).metadata();
      assert.equal(meta.format, 'webp');
      assert.equal(meta.width, 640);
      assert.equal(stored.width, 640);
      assert.ok(stored.bytes < 60_000, `${stored.bytes} bytes`);
      const avatar = await database.db.selectFrom('image_sources').innerJoin('images', 'images.hash', 'image_sources.hash').select(['images.width', 'images.height']).where('kind', '=', 'avatar').executeTakeFirstOrThrow();
      assert.deepEqual([avatar.width, avatar.height], [64, 64]);

      const page = await (await fetch(`${server.base}/papers/date/${DAY}`)).text();
      const card = page.slice(page.indexOf(`id="paper-${TOP}"`), page.indexOf(`id="paper-${SECOND}"`));
      assert.match(card, new RegExp(`<img src="/images/${thumb!.hash}\\.webp"`));
      // Its organization's avatar, when the fixture names one, is stored too; the failed thumbnail gets a placeholder.
      const second = page.slice(page.indexOf(`id="paper-${SECOND}"`));
      assert.match(second, /class="card-thumb placeholder"/);
      assert.doesNotMatch(page, /<img[^>]+src="https?:/);
      // Cards built from papers (an organization's page) show the thumbnail of the paper's list entry too.
      const org = await (await fetch(`${server.base}/organizations/inclusionAI`)).text();
      assert.match(org, new RegExp(`<img src="/images/${thumb!.hash}\\.webp"`));
      // And a member's collection.
      const ada = await createUser(database.db, { username: 'ada', email: 'ada@example.org', passwordHash: null, role: 'member' });
      const made = await createCollection(database.db, { userId: ada.id, name: 'Reading', isPublic: true, now: new Date(), maxCollections: 10, paperId: TOP });
      assert.ok(made.ok);
      const collection = await (await fetch(`${server.base}/users/ada/collections/${made.collection.slug}`)).text();
      assert.match(collection, new RegExp(`<img src="/images/${thumb!.hash}\\.webp"`));
      const csp = (await fetch(`${server.base}/papers/date/${DAY}`)).headers.get('content-security-policy') ?? '';
      assert.match(csp, /img-src 'self' data:(;|$)/);
    });

    test('/images/HASH.webp is served with a year-long immutable cache and an ETag; If-None-Match answers 304', async () => {
      const { hash } = (await source(`https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/${TOP}.png`))!;
      const res = await fetch(`${server.base}/images/${hash}.webp`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'image/webp');
      assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.equal(res.headers.get('etag'), `"${hash}"`);
      const body = Buffer.from(await res.arrayBuffer());
      assert.equal((await sharp(body).metadata()).format, 'webp');
      const again = await fetch(`${server.base}/images/${hash}.webp`, { headers: { 'if-none-match': `"${hash}"` } });
      assert.equal(again.status, 304);
      assert.equal((await again.arrayBuffer()).byteLength, 0);
      assert.equal((await fetch(`${server.base}/images/${'0'.repeat(64)}.webp`)).status, 404);
      assert.equal((await fetch(`${server.base}/images/..%2Fetc%2Fpasswd`)).status, 404);
      assert.equal((await fetch(`${server.base}/images/${hash}.png`)).status, 404);
    });

    test('running again fetches nothing stored, retries failures a few times, and never duplicates', async () => {
      const count = async () => Number((await database.db.selectFrom('images').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      const before = await count();
      const requests = cdn.requests.length;
      const r = await fetchPendingImages(database, opts);
      assert.equal(r.stored, 0);
      assert.equal(await count(), before);
      const thumbRequests = cdn.requests.slice(requests).filter((p) => p.includes(`${TOP}.png`));
      assert.equal(thumbRequests.length, 0, 'a stored image is not fetched again');
      await fetchPendingImages(database, opts);
      await fetchPendingImages(database, opts); // third attempt: the last
      const r4 = await fetchPendingImages(database, opts);
      assert.equal(r4.stored + r4.failed, 0, 'failed addresses are given up after 3 attempts');
      assert.equal((await source('https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/corrupt.png'))?.attempts, 3);
    });

    test('private, loopback and link-local addresses are refused unless allowed; non-pictures and oversized files are refused', async () => {
      const strict = { ...opts, via: null, allowPrivate: false };
      const seen = cdn.requests.length;
      await assert.rejects(downloadImage(`${cdn.base}/a.png`, strict), /127\.0\.0\.1 is not a public address/);
      const port = new URL(cdn.base).port;
      await assert.rejects(downloadImage(`http://localhost:${port}/a.png`, strict), /not a public address/);
      await assert.rejects(downloadImage('http://169.254.169.254/latest/meta-data/x.png', strict), /not a public address/);
      await assert.rejects(downloadImage(`http://[::1]:${port}/a.png`, strict), /not a public address/);
      await assert.rejects(downloadImage('file:///etc/passwd', strict), /only http and https/);
      assert.equal(cdn.requests.length, seen, 'no request reached the local server');
      await assert.rejects(downloadImage(`${cdn.base}/page.png`, { ...opts, via: null }), /not a picture \(Content-Type: text\/html\)/);
      await assert.rejects(downloadImage(`${cdn.base}/big.png`, { ...opts, via: null }), /too large/);
      const ok = await downloadImage(`${cdn.base}/fine.jpeg`, { ...opts, via: null });
      assert.equal(ok.type, 'image/jpeg');
      assert.equal((await sharp(ok.bytes).metadata()).format, 'jpeg');
    });
  });
}

describe('dailypapers images fetch', () => {
  test('fetches, prints a JSON summary, and running it again stores nothing new; a bad --limit is a usage error', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dailypapers-images-cli-'));
    const cdn = await startImageCdn();
    try {
      const env = { DATABASE_URL: `sqlite:${path.join(dir, 'db.sqlite')}`, IMAGES_FETCH_VIA: cdn.base, IMAGES_ALLOW_PRIVATE_ADDRESSES: 'true' };
      const imported = await runCli(['import', path.join(FIXTURES, 'hf-daily', '2025-11-04.json'), '--json'], env);
      assert.equal(imported.code, 0, imported.stderr);
      const first = await runCli(['images', 'fetch', '--json'], env);
      assert.equal(first.code, 0, first.stderr);
      const a = JSON.parse(first.stdout.trim().split('\n').at(-1)!);
      assert.ok(a.stored >= 2, first.stdout);
      assert.equal(a.storedImages, a.stored);
      assert.ok(a.storedBytes > 0);
      const again = JSON.parse((await runCli(['images', 'fetch', '--json'], env)).stdout.trim().split('\n').at(-1)!);
      assert.equal(again.stored, 0);
      assert.equal(again.storedImages, a.storedImages);
      const bad = await runCli(['images', 'fetch', '--limit', 'lots'], env);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /whole number/);
      // Without the test switch, the local stand-in is a private address: refused, recorded, exit 0.
      const strict = await runCli(['images', 'fetch', '--json'], { ...env, IMAGES_ALLOW_PRIVATE_ADDRESSES: 'false' });
      assert.equal(strict.code, 0, strict.stderr);
    } finally {
      await cdn.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
