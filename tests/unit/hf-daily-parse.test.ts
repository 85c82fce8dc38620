import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { looksLikeHfDaily, parseHfDaily } from '../../src/importers/hf-daily/parse.ts';
import { ImportError } from '../../src/importers/errors.ts';
import type { ImportRecord } from '../../src/domain/paper.ts';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
const daily = (day: string): ImportRecord[] => parseHfDaily(fixture(`hf-daily/${day}.json`), { day });

/** Fails when any value in the record (outside the objects kept as given) is null. */
function assertNoNull(r: ImportRecord): void {
  const walk = (v: unknown, at: string): void => {
    assert.notEqual(v, null, `null at ${at}`);
    if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) walk(x, `${at}.${k}`);
  };
  const { hfAuthors: _a, ...paper } = r.paper;
  walk(paper, `${r.paper.id}.paper`);
  if (r.entry) walk({ ...r.entry, submitter: { ...r.entry.submitter, profile: undefined } }, `${r.paper.id}.entry`);
}

test('2024-03 (compact JSON, mediaUrl, author user objects, no submittedBy)', () => {
  const recs = daily('2024-03-12');
  assert.equal(recs.length, 2);
  const [a, b] = recs as [ImportRecord, ImportRecord];
  assert.equal(a.paper.source, 'hf');
  assert.equal(a.paper.id, '2403.06634');
  assert.equal(a.paper.version, undefined);
  assert.ok(!('version' in a.paper), 'absent fields are left out, not set to undefined or null');
  assert.equal(a.paper.title, 'Stealing Part of a Production Language Model');
  assert.ok(a.paper.abstract?.startsWith('We introduce the first model-stealing attack'));
  assert.ok(a.paper.abstract?.endsWith('PaLM-2.\n'), 'abstract is kept as given, final newline too');
  assert.deepEqual(a.paper.authors, [
    { name: 'Nicholas Carlini' },
    { name: 'Daniel Paleka' },
    { name: 'Krishnamurthy Dj Dvijotham' }, // collapsed
  ]);
  // Hugging Face's own author objects are kept whole: ids, linked users, status, raw names.
  assert.equal(a.paper.hfAuthors?.length, 3);
  assert.deepEqual(a.paper.hfAuthors?.[0]?.user, {
    avatarUrl: '/avatars/53e53c84f987989deb351dd2ae6ee558.svg',
    isPro: false,
    fullname: 'Nicholas Carlini',
    user: 'carlini',
    type: 'user',
  });
  assert.equal(a.paper.hfAuthors?.[1]?.status, 'admin_assigned');
  assert.equal(a.paper.hfAuthors?.[2]?.name, 'Krishnamurthy Dj  Dvijotham');
  assert.equal(a.paper.hfAuthors?.[2]?._id, '65efc32c55f190f77e7b1d5d');
  assert.equal(a.paper.upvotes, 41);
  assert.equal(a.paper.publishedAt, '2024-03-11T17:59:56.000Z');
  for (const k of ['discussionId', 'aiSummary', 'aiKeywords', 'githubRepo', 'githubStars', 'organization'] as const) {
    assert.ok(!(k in a.paper), `${k} absent`);
  }
  const { hfEntry, ...entry } = a.entry!;
  assert.deepEqual(entry, {
    paperId: '2403.06634',
    day: '2024-03-12',
    listedAt: '2024-03-12T02:02:44.360Z',
    numComments: 5,
    mediaUrls: ['https://cdn-uploads.huggingface.co/production/uploads/60f1abe7544c2adfd699860c/dhiUnxDGTRatavk4pKf9h.png'],
    hfPublishedAt: '2024-03-12T02:02:44.360Z',
  });
  // The entry as sent, legacy `mediaUrl` included, in its order, without the paper (kept on its own).
  assert.deepEqual(Object.keys(hfEntry!), ['publishedAt', 'title', 'mediaUrl', 'numComments']);
  assert.equal(a.paper.hfPaper?.id, '2403.06634');
  // A wrapped title is kept as given; a `mediaUrl` that is the social card becomes the thumbnail.
  assert.equal(b.paper.title, 'Adding NVMe SSDs to Enable and Accelerate 100B Model Fine-tuning on a\n  Single GPU');
  assert.equal(b.entry?.thumbnail, 'https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2403.06504.png');
  assert.equal(b.entry?.mediaUrls, undefined);
  recs.forEach(assertNoNull);
});

test('2024-08 (submittedBy, discussionId, thumbnail, mediaUrls, zero upvotes)', () => {
  const [a, b] = daily('2024-08-20') as [ImportRecord, ImportRecord];
  assert.equal(a.paper.id, '2408.10188');
  assert.equal(a.paper.discussionId, '66c41183ea476bea05da1adf');
  assert.equal(a.entry?.thumbnail, 'https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2408.10188.png');
  assert.deepEqual(a.entry?.submitter, {
    username: 'akhaliq',
    fullname: 'AK',
    avatarUrl: 'https://cdn-avatars.huggingface.co/v1/production/uploads/1674929746905-60f1abe7544c2adfd699860c.jpeg',
    profile: {
      avatarUrl: 'https://cdn-avatars.huggingface.co/v1/production/uploads/1674929746905-60f1abe7544c2adfd699860c.jpeg',
      fullname: 'AK',
      name: 'akhaliq',
      type: 'user',
      isPro: false,
      isHf: true,
      isMod: false,
    },
  });
  assert.equal(b.paper.upvotes, 0);
  assert.equal(b.entry?.numComments, 0);
  assert.deepEqual(b.entry?.mediaUrls, [
    'https://cdn-uploads.huggingface.co/production/uploads/64b7c0b2a1b1f5b2b4f2a0c1/Qm1aZ2xk7vV3nXyT0pLsR.mp4',
  ]);
  assert.equal(b.paper.hfAuthors?.[0]?.status, 'claimed_verified');
});

test('day: the option wins; otherwise submittedOnDailyAt, else listing time (+3 h, lists open the evening before)', () => {
  const text = fixture('hf-daily/2025-02-11.json');
  const withoutDay = parseHfDaily(text);
  assert.deepEqual(
    withoutDay.map((r) => [r.entry?.listedAt, r.entry?.day]),
    [
      ['2025-02-10T23:18:11.727Z', '2025-02-11'],
      ['2025-02-11T01:40:05.114Z', '2025-02-11'],
    ],
  );
  assert.equal(parseHfDaily(text, { day: '2025-02-12' })[0]?.entry?.day, '2025-02-12');
  assert.equal(withoutDay[1]?.entry?.isAuthorParticipating, true);
  assert.equal(withoutDay[1]?.entry?.submitter?.hfId, '667187ba9ab144eb3ac43a1b');

  for (const day of ['2025-06-26', '2025-11-04']) {
    const recs = parseHfDaily(fixture(`hf-daily/${day}.json`));
    assert.ok(recs.every((r) => r.entry?.day === day && r.entry.day === r.entry.submittedAt?.slice(0, 10)));
  }
  assert.throws(() => parseHfDaily('[]', { day: '12/03/2024' }), /not a YYYY-MM-DD date/);
});

test('2025-03-11..16: top-level publishedAt is the arXiv date, so no listing time and no day without the option', () => {
  const text = fixture('hf-daily/2025-03-12.json');
  assert.throws(
    () => parseHfDaily(text),
    (e: unknown) => e instanceof ImportError && /^entry 1 \(2503\.08638\): cannot tell the list's day/.test(e.message),
  );
  const [a, b] = parseHfDaily(text, { day: '2025-03-12' }) as [ImportRecord, ImportRecord];
  assert.equal(a.entry?.day, '2025-03-12');
  assert.equal(a.entry?.listedAt, undefined);
  assert.equal(a.paper.publishedAt, '2025-03-11T17:26:50.000Z');
  assert.deepEqual(a.paper.aiKeywords, [
    'track-decoupled next-token prediction',
    'structural progressive conditioning',
    'in-context learning',
  ]);
  assert.equal(a.paper.githubRepo, 'https://github.com/multimodal-art-projection/YuE');
  assert.equal(a.paper.projectPage, 'https://map-yue.github.io/');
  assert.deepEqual(b.paper.aiKeywords, []);
  assert.equal(b.paper.title, 'Crowdsource, Crawl, or Generate? Creating SEA-VL, a Multicultural\n  Vision-Language Dataset for Southeast Asia');
});

test('2025-06 (submittedOnDailyAt/By, ai_summary, githubStars, paper.mediaUrls)', () => {
  const [a, b] = daily('2025-06-26') as [ImportRecord, ImportRecord];
  assert.equal(a.paper.githubStars, 2);
  assert.equal(a.paper.githubRepo, 'https://github.com/dmis-lab/Outlier-Safe-Pre-Training');
  assert.match(a.paper.aiSummary ?? '', /^Outlier-Safe Pre-Training improves/);
  assert.deepEqual(a.paper.aiKeywords, ['Muon optimizer', 'Single-Scale RMSNorm', 'excess kurtosis']);
  assert.equal(a.entry?.submittedAt, '2025-06-26T02:17:13.263Z');
  assert.equal(a.entry?.listedAt, undefined, 'top-level publishedAt is paper.publishedAt - 4 h: not a listing time');
  // The top-level submittedBy wins over paper.submittedOnDailyBy (same person, richer profile).
  assert.equal(a.entry?.submitter?.username, 'affjljoo3581');
  assert.equal(a.entry?.submitter?.profile?.followerCount, 1);
  assert.equal(b.paper.upvotes, 0);
  assert.equal(b.paper.githubRepo, undefined);
  assert.equal(b.paper.projectPage, 'https://huggingface.co/apple/DiffuCoder-7B-cpGRPO');
  assert.deepEqual(b.entry?.mediaUrls, [
    'https://cdn-uploads.huggingface.co/production/uploads/628c83d186fc004b14e1d8e2/RXJ0SpnvqSm6nhOuBhKQJ.mp4',
  ]);
  assert.equal(b.entry?.thumbnail, undefined);
});

test('submitter from paper.submittedOnDailyBy when there is no top-level submittedBy', () => {
  const entries = JSON.parse(fixture('hf-daily/2025-06-26.json')) as Record<string, unknown>[];
  delete entries[0]!.submittedBy;
  const [a] = parseHfDaily(JSON.stringify(entries));
  assert.deepEqual(a?.entry?.submitter, {
    username: 'affjljoo3581', // from `user`: the old shape has no `name`
    fullname: 'Jungwoo Park',
    avatarUrl: '/avatars/68b7fc077fe2bda6607b1c470add8140.svg',
    hfId: '60f8435644e75317cc02ed51',
    profile: {
      _id: '60f8435644e75317cc02ed51',
      avatarUrl: '/avatars/68b7fc077fe2bda6607b1c470add8140.svg',
      isPro: false,
      fullname: 'Jungwoo Park',
      user: 'affjljoo3581',
      type: 'user',
    },
  });
});

test('2025-11 (organization)', () => {
  const [a, b] = daily('2025-11-04') as [ImportRecord, ImportRecord];
  assert.deepEqual(a.paper.organization, {
    name: 'inclusionAI',
    fullname: 'inclusionAI',
    avatarUrl: 'https://cdn-uploads.huggingface.co/production/uploads/662e1f9da266499277937d33/fyKuazRifqiaIO34xrhhm.jpeg',
    hfId: '67aea5c8f086ab0f70ed97c9',
  });
  assert.deepEqual(a.paper.authors, [{ name: 'Ling-Team' }, { name: 'Ang Li' }]);
  assert.equal(a.entry?.submitter?.username, 'zzqsmall');
  assert.equal(b.paper.organization, undefined, 'submitterOrganization is not the paper organization');
  assert.equal(b.paper.githubStars, 58);
  assert.equal(b.entry?.listedAt, undefined, 'paper.publishedAt - 5 h in winter');

  // The top-level organization is used when the paper has none.
  const entries = JSON.parse(fixture('hf-daily/2025-11-04.json')) as { paper: Record<string, unknown> }[];
  delete entries[0]!.paper.organization;
  assert.equal(parseHfDaily(JSON.stringify(entries))[0]?.paper.organization?.name, 'inclusionAI');
});

test('ids with a version, and an empty list', () => {
  const entries = JSON.parse(fixture('hf-daily/2024-08-20.json')) as { paper: Record<string, unknown> }[];
  entries[0]!.paper.id = '2408.10188v2';
  const [a] = parseHfDaily(JSON.stringify(entries), { day: '2024-08-20' });
  assert.equal(a?.paper.id, '2408.10188');
  assert.equal(a?.paper.version, 2);
  assert.equal(a?.entry?.paperId, '2408.10188');
  assert.deepEqual(parseHfDaily('[]'), []);
  assert.deepEqual(parseHfDaily(' \n[ ]\n', { day: '2024-08-20' }), []);
});

test('malformed files are rejected with a clear message', () => {
  const rejects = (name: string, re: RegExp): void =>
    assert.throws(
      () => parseHfDaily(fixture(`hf-daily-malformed/${name}`)),
      (e: unknown) => e instanceof ImportError && re.test(e.message),
      name,
    );
  rejects('2024-12-11.json', /^entries are strings \(looks like Python repr output saved by a scraper\), not JSON objects$/);
  rejects('2025-01-10.json', /^a \{status, date, count, data\} wrapper object, not the API's JSON array; entries are strings/);
  rejects('truncated.json', /^line 73, column 9: invalid JSON: .* \(the file ends too early: truncated\?\)$/);
  rejects('missing-paper-id.json', /^entry 2: missing paper\.id$/);

  const bad = (text: string, re: RegExp): void =>
    assert.throws(() => parseHfDaily(text, { day: '2024-08-20' }), (e: unknown) => e instanceof ImportError && re.test(e.message));
  bad('', /^invalid JSON: Unexpected end of JSON input \(the file ends too early/);
  bad('[{"paper": {"id": "2408.10188", "title": "T"},}]', /^line 1, column 47: invalid JSON/);
  bad('{"error": "Not found"}', /^expected a JSON array of daily-paper entries, found an object$/);
  bad('[{"paper": {"id": "2408.10188", "title": "T"}}, 3]', /^entry 2: not a JSON object but a number$/);
  bad('[{"title": "T"}]', /^entry 1: missing paper object$/);
  bad('[{"paper": {"id": "2408.10188"}}]', /^entry 1 \(2408\.10188\): missing paper\.title$/);
  bad('[{"paper": {"id": "2408.10188", "title": "  "}}]', /^entry 1 \(2408\.10188\): missing paper\.title$/);
  bad('[{"paper": {"id": "notanid", "title": "T"}}]', /^entry 1 \(notanid\): paper\.id "notanid" is not an arXiv id$/);
  bad('[{"paper": {"id": "2408.10188", "title": "T", "authors": [{"_id": "x"}]}}]', /paper\.authors\[0\] has no name/);
});

test('looksLikeHfDaily routes the API array and the known broken shapes here', () => {
  for (const name of ['hf-daily/2024-03-12.json', 'hf-daily/2025-11-04.json', 'hf-daily-malformed/2024-12-11.json', 'hf-daily-malformed/2025-01-10.json', 'hf-daily-malformed/truncated.json']) {
    assert.equal(looksLikeHfDaily(fixture(name).slice(0, 4096)), true, name);
  }
  assert.equal(looksLikeHfDaily(fixture('arxiv-snapshot/snapshot.jsonl').slice(0, 4096)), false);
  assert.equal(looksLikeHfDaily('<?xml version="1.0"?><feed/>'), false);
  assert.equal(looksLikeHfDaily('[{"id": "2401.01234"}]'), false);
});

// ---- Against the real data in ../shared/data (skipped when it is not there) ----

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const shared = path.resolve(repoRoot, '../shared/data');
const noData = existsSync(path.join(shared, 'hf-daily')) ? false : `no real data at ${shared}`;

test('real data: every hf-daily file parses; the day fallback agrees with the file name', { skip: noData }, (t) => {
  const dir = path.join(shared, 'hf-daily');
  let entries = 0;
  let agree = 0;
  const undetermined: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const day = file.slice(0, 10);
    const text = readFileSync(path.join(dir, file), 'utf8');
    const recs = parseHfDaily(text, { day });
    entries += recs.length;
    for (const r of recs) {
      assert.equal(r.entry?.day, day);
      assertNoNull(r);
    }
    // Without the file name: the fallback must give the same day, or say it cannot tell.
    try {
      const guessed = parseHfDaily(text);
      assert.deepEqual(guessed.map((r) => r.entry?.day), recs.map(() => day), file);
      agree += guessed.length;
    } catch (e) {
      if (!(e instanceof ImportError && /cannot tell the list's day/.test(e.message))) throw e;
      undetermined.push(day);
    }
  }
  t.diagnostic(`${entries} entries; day fallback agrees for ${agree}; undetermined days: ${undetermined.join(' ')}`);
  assert.ok(entries > 8000, `${entries} entries`);
  // Only the week when the top-level publishedAt had turned into the arXiv date and
  // submittedOnDailyAt did not exist yet.
  assert.ok(undetermined.every((d) => d >= '2025-03-11' && d <= '2025-03-16'), undetermined.join(' '));
});

test('real data: every hf-daily-malformed file is rejected', { skip: noData }, (t) => {
  const dir = path.join(shared, 'hf-daily-malformed');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  assert.ok(files.length >= 22);
  for (const file of files) {
    const text = readFileSync(path.join(dir, file), 'utf8');
    assert.equal(looksLikeHfDaily(text.slice(0, 4096)), true, file);
    assert.throws(() => parseHfDaily(text, { day: file.slice(0, 10) }), ImportError, file);
  }
  t.diagnostic(`${files.length} malformed files rejected`);
});
