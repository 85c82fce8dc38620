// Progressive enhancements; every page works without this file.
// j / k move between papers, Enter opens the focused one (it is a link), / jumps to a search box.
(() => {
  const cards = () => Array.from(document.querySelectorAll('[data-card] a.card-title'));
  document.addEventListener('keydown', (ev) => {
    if (ev.defaultPrevented || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const t = ev.target;
    if (t instanceof HTMLElement && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    if (ev.key === 'j' || ev.key === 'k') {
      const list = cards();
      if (list.length === 0) return;
      const i = list.indexOf(document.activeElement);
      const next = ev.key === 'j' ? Math.min(i + 1, list.length - 1) : i < 0 ? 0 : Math.max(i - 1, 0);
      list[next].focus();
      list[next].closest('[data-card]').scrollIntoView({ block: 'nearest', behavior: 'smooth' });
      ev.preventDefault();
    } else if (ev.key === '/') {
      const box = document.querySelector('input[type=search]');
      if (box) { box.focus(); ev.preventDefault(); }
    }
  });
  // Votes without a reload: the same form, posted with fetch; the page updates from the answer.
  document.addEventListener('submit', async (ev) => {
    const form = ev.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains('vote')) return;
    ev.preventDefault();
    const button = form.querySelector('button');
    const data = new URLSearchParams(new FormData(form));
    button.disabled = true;
    try {
      const res = await fetch(form.action, {
        method: 'POST',
        headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded', 'X-CSRF-Token': data.get('_csrf') },
        body: data,
        credentials: 'same-origin',
      });
      if (!res.ok) { form.submit(); return; } // let the server's page explain
      const { upvoted, upvotes } = await res.json();
      form.querySelector('input[name=value]').value = upvoted ? '0' : '1';
      button.setAttribute('aria-pressed', String(upvoted));
      button.classList.toggle('voted', upvoted);
      button.title = upvoted ? 'Remove your upvote' : 'Upvote';
      button.querySelector('.count').textContent = String(upvotes);
    } finally {
      button.disabled = false;
    }
  });

  // The date picker navigates as soon as a day is chosen.
  document.querySelectorAll('form.date-picker input[type=date]').forEach((input) => {
    input.addEventListener('change', () => input.form && input.value && input.form.submit());
  });
  // Ask this paper / collection (src/http/handlers/ask.ts): the answer streams in as the model writes it, then
  // the server's checked, escaped answer with its citations replaces it. Without JS the form posts and a page answers.
  document.querySelectorAll('form[data-ask]').forEach((form) => {
    const out = form.parentElement.querySelector('[data-ask-answer]');
    if (!out) return;
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const button = form.querySelector('button');
      const data = new URLSearchParams(new FormData(form));
      button.disabled = true;
      out.textContent = '';
      const live = document.createElement('p');
      live.className = 'answer-streaming';
      live.textContent = 'Reading the paper…';
      out.append(live);
      let started = false;
      const fail = (message) => {
        out.textContent = '';
        const p = document.createElement('p');
        p.className = 'notice notice-error';
        p.setAttribute('role', 'alert');
        p.textContent = message;
        out.append(p);
      };
      try {
        const res = await fetch(form.action, {
          method: 'POST',
          headers: { Accept: 'application/x-ndjson', 'Content-Type': 'application/x-www-form-urlencoded', 'X-CSRF-Token': data.get('_csrf') },
          body: data,
          credentials: 'same-origin',
        });
        if (!res.ok || !res.body) { form.submit(); return; } // the server's page explains
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let nl;
          while ((nl = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, nl);
            buffer = buffer.slice(nl + 1);
            if (!line) continue;
            const msg = JSON.parse(line);
            if (msg.type === 'delta') {
              if (!started) { live.textContent = ''; started = true; }
              live.textContent += msg.text;
            } else if (msg.type === 'done') {
              out.innerHTML = msg.html; // rendered and escaped by the server (src/http/views/ask.ts)
            } else if (msg.type === 'error') {
              fail(msg.message);
            }
          }
        }
      } catch {
        fail('The answer could not be read. Please try again.');
      } finally {
        button.disabled = false;
      }
    });
  });
})();
