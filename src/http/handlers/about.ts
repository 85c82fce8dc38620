/** GET /about/ranking (how trending works). /subscribe (digests and feeds) is handlers/subscriptions.ts. */
import type { Context } from 'hono';
import { html } from 'hono/html';
import { AGE_OFFSET_HOURS, COMMENT_WEIGHT, GRAVITY, TRENDING_WINDOW_DAYS } from '../../domain/trending.ts';
import { frame, type Deps } from '../context.ts';
import { layout } from '../views/layout.ts';

export const rankingPage = (deps: Deps) => (c: Context) =>
  c.html(
    layout(
      frame(c, deps),
      { title: 'How ranking works', canonical: '/about/ranking', nav: 'about' },
      html`<div class="prose">
<h1>How ranking works</h1>
<h2>Daily, weekly and monthly lists</h2>
<p>A list shows the papers put on it on that day, week or month, most upvoted first. Ties go to the paper with more comments.</p>
<h2>Trending</h2>
<p>Trending ranks the papers listed in the last ${TRENDING_WINDOW_DAYS} days by a score that rises with upvotes and comments and falls as time passes since the paper was listed, the way Hacker News ranks stories:</p>
<pre>score = (upvotes + ${COMMENT_WEIGHT} × comments) / (hours since listed + ${AGE_OFFSET_HOURS})<sup>${GRAVITY}</sup></pre>
<ul>
<li>A comment counts ${COMMENT_WEIGHT} upvotes: it took a reader minutes, not a click.</li>
<li>The ${AGE_OFFSET_HOURS} hours added to the age keep a paper listed a minute ago from dividing by almost nothing.</li>
<li>The exponent ${GRAVITY} sets how fast attention fades. Papers are read over days rather than hours, so it is lower than Hacker News’s 1.8: against a paper listed yesterday, one listed the day before needs about 2.2 times the upvotes to tie, one listed a week ago about 9.5 times.</li>
<li>When a site has stopped receiving new lists (an archive), ages are counted from a day after its newest list, so that its last week still shows.</li>
</ul>
<p>The score is computed by one function, <code>trendingScore</code> in <code>src/domain/trending.ts</code>, with its constants named and commented and its values pinned by tests.</p>
</div>`,
    ),
  );
