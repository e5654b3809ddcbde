// review.test.js - drives the supervisor's review page in headless Chromium.
// Run by tests/integration/test_browser.sh, which starts the server, makes
// the notes and passes everything in the environment:
//   FN_URL, FN_SPKI (base64 SHA-256 of the server's public key), FN_CHROMIUM,
//   FN_QUEUE_TOTAL (notes awaiting review), FN_SUPER / FN_SUPER_PW,
//   FN_OFFICER / FN_OFFICER_PW, FN_XSS (markup stored in a note), FN_SHOT
//   (the queue's screenshot; the note's goes beside it as *-note.png).
//   FN_SHOTS_DIR (more screenshots, at both sizes, for a person to look at).
// Prints "PASS name" / "FAIL name" per check, then "DONE". The checks run in
// order and build on each other; after a failure the rest are reported as
// failed without running (FN_KEEP_GOING=1 runs them anyway, for debugging).
// The desktop checks run at 1280x800, then the phone checks at 390x844 and
// 320 px wide, both in the Europe/London time zone.

'use strict';

const {
	assert, env, URL, TOTAL, XSS, SHOT, SHOT_NOTE, shot, CSP, MASH_REF, ZONE, DESKTOP,
	chromium, extraShot, check, expectNoAxeViolations, expectNoHorizontalOverflow, newPage, helpers,
} = require('./lib.js');
const { phoneChecks } = require('./phone.js');

async function main() {
	const browser = await chromium.launch({
		executablePath: env('FN_CHROMIUM'),
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
			'--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
			// Only the test server's own key is accepted, not any certificate.
			`--ignore-certificate-errors-spki-list=${env('FN_SPKI')}`],
	});
	const problems = [];
	const requested = [];
	const page = await newPage(browser, DESKTOP, problems, requested);
	const { rows, rowFor, activeId, queueShown, applyFilters, openNote } = helpers(page);
	const errorBox = page.locator('#signin-error');

	await check('page_served_with_security_headers', async () => {
		const res = await page.goto(`${URL}/review/`);
		assert.equal(res.status(), 200);
		const h = res.headers();
		assert.equal(h['content-security-policy'], CSP);
		assert.equal(h['x-frame-options'], 'DENY');
		assert.equal(h['referrer-policy'], 'no-referrer');
		assert.match(h['content-type'], /^text\/html/);
		assert.match(h.etag || '', /^"sha256-[0-9a-f]+"$/);
		await page.locator('#signin-view').waitFor({ state: 'visible' });
		assert.equal(await activeId(), 'username', 'the username field has focus on arrival');
	});

	await check('root_redirects_to_the_review_page', async () => {
		const res = await page.goto(`${URL}/`);
		assert.equal(res.status(), 200);
		assert.ok(res.request().redirectedFrom(), 'reached through a redirect');
		assert.ok(page.url().endsWith('/review/'), page.url());
		await page.locator('#signin-view').waitFor({ state: 'visible' });
	});

	await check('sign_in_view_has_no_axe_violations_and_fits', async () => {
		await expectNoAxeViolations(page);
		await expectNoHorizontalOverflow(page, 'sign-in at 1280');
	});

	await check('officer_is_refused_with_a_clear_message', async () => {
		await page.fill('#username', env('FN_OFFICER'));
		await page.fill('#password', env('FN_OFFICER_PW'));
		await page.click('#signin-button');
		await errorBox.waitFor({ state: 'visible' });
		assert.match(await errorBox.textContent(), /for supervisors/);
		assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'no session kept');
		assert.ok(await page.locator('#signin-view').isVisible());
	});

	await check('wrong_password_shows_the_api_message', async () => {
		await page.fill('#username', env('FN_SUPER'));
		await page.fill('#password', 'not-the-password');
		await page.click('#signin-button');
		await page.locator('#signin-error', { hasText: 'Wrong username or password.' }).waitFor();
		assert.equal(await activeId(), 'password', 'focus goes back to the password');
		await extraShot(page, 'signin');
	});

	await check('sign_in_with_the_keyboard_keeps_the_token_out_of_urls_and_localstorage', async () => {
		await page.fill('#username', '');
		await page.fill('#password', '');
		await page.focus('#username');
		await page.keyboard.type(env('FN_SUPER'));
		await page.keyboard.press('Tab');
		assert.equal(await activeId(), 'password');
		await page.keyboard.type(env('FN_SUPER_PW'));
		await page.keyboard.press('Enter');
		await queueShown();
		assert.equal(await activeId(), 'queue-h', 'focus moves to the queue heading');
		assert.ok(await errorBox.isHidden(), 'the old error is cleared');
		const st = await page.evaluate(() => ({ local: localStorage.length, sess: sessionStorage.getItem('fieldnote.review.session') }));
		assert.equal(st.local, 0);
		const token = JSON.parse(st.sess).token;
		assert.ok(token && token.length >= 32, 'the token is in sessionStorage');
		assert.ok(!page.url().includes(token));
		assert.ok(requested.every((u) => !u.includes(token)), 'no request URL carries the token');
		assert.match(await page.locator('#who-name').textContent(), /super1/);
		// The next Tab reaches the search by child reference (then the
		// filters), with a visible focus ring.
		await page.keyboard.press('Tab');
		assert.equal(await activeId(), 'child-ref');
		const ring = await page.evaluate(() => {
			const cs = getComputedStyle(document.activeElement);
			return `${cs.outlineStyle} ${cs.outlineWidth}`;
		});
		assert.equal(ring, 'solid 3px', 'focus is visible');
		await extraShot(page, 'focus');
	});

	let riskWaiting = 0;
	await check('queue_shows_overdue_first_highlighted_with_flag_badges', async () => {
		assert.equal(await rows.count(), Math.min(50, TOTAL));
		const first = rows.first();
		assert.match(await first.locator('th').textContent(), /C-RISK-0001/);
		assert.match(await first.getAttribute('class') || '', /\boverdue\b/);
		assert.match(await first.textContent(), /Overdue by/);
		assert.equal(await page.locator('#queue-body tr.overdue').count(), 1, 'one overdue row');
		assert.ok(await first.locator('.badge', { hasText: 'Review overdue' }).isVisible(),
			'flags are labelled badges');
		// Bright red row: the highlight is visible, not only a class name.
		const bg = await first.evaluate((e) => getComputedStyle(e).backgroundColor);
		assert.notEqual(bg, 'rgba(0, 0, 0, 0)');
		// Ages read as words, and the rest are oldest first.
		const waits = await rows.evaluateAll((trs) => trs.map((tr) => ({
			text: tr.cells[4].textContent,
			at: Date.parse(tr.cells[4].querySelector('time').getAttribute('datetime')),
		})));
		for (const w of waits) assert.match(w.text, /^(under a minute|\d+ (minute|hour|day)s?\b)/);
		for (let i = 2; i < waits.length; i++) assert.ok(waits[i].at >= waits[i - 1].at, `row ${i} out of order`);
		riskWaiting = waits[0].at;
		assert.ok(waits.every((w) => w.at >= riskWaiting), 'the overdue note is also the oldest');
		assert.match(await page.locator('#queue-summary').textContent(), /50 notes shown; more are waiting/);
		await page.screenshot({ path: SHOT });
	});

	await check('queue_at_1280_fits_with_the_flags_column_whole_and_no_axe_violations', async () => {
		await expectNoHorizontalOverflow(page, 'queue at 1280');
		const m = await page.evaluate(() => {
			const wrap = document.querySelector('.table-wrap').getBoundingClientRect();
			const clipped = Array.from(document.querySelectorAll('#queue-body .badge')).filter((b) => {
				const r = b.getBoundingClientRect();
				return r.right > wrap.right + 0.5 || r.left < wrap.left - 0.5;
			});
			return { table: document.getElementById('queue').scrollWidth,
				wrap: document.querySelector('.table-wrap').clientWidth, clipped: clipped.length };
		});
		assert.ok(m.table <= m.wrap, `the queue table is ${m.table} px wide in a ${m.wrap} px box`);
		assert.equal(m.clipped, 0, 'flag badges cut off');
		await expectNoAxeViolations(page);
	});

	await check('times_show_the_zone', async () => {
		const first = rows.first();
		assert.match(await first.locator('td.when time').first().textContent(), ZONE, 'occurred');
		assert.match(await first.locator('td.when time').nth(1).getAttribute('title'), ZONE, 'waiting since');
	});

	await check('show_more_loads_the_next_page', async () => {
		const more = page.getByRole('button', { name: 'Show more notes' });
		await more.click();
		await page.waitForFunction((n) => document.querySelectorAll('#queue-body tr').length === n, TOTAL);
		assert.ok(await more.isHidden(), 'no more pages');
		const ids = await page.locator('#queue-body button[data-note]').evaluateAll((bs) => bs.map((b) => b.noteId));
		assert.equal(new Set(ids).size, TOTAL, 'no note twice');
		assert.equal(await activeId(), '', 'focus is on the first new row');
		// The first note of the second page: C-MASH-0005's newer note moved
		// up beside the older one, so it is the next one after that.
		const focused = await page.evaluate(() => document.activeElement.noteId);
		assert.ok(ids.indexOf(focused) >= 50, `focus on ${focused}, a note of the first page`);
	});

	await check('filters_by_flag_and_overdue', async () => {
		await applyFilters('', 'review_overdue', false);
		assert.equal(await rows.count(), 1);
		assert.match(await rows.first().textContent(), /C-RISK-0001/);
		await applyFilters('', '', true);
		assert.equal(await rows.count(), 1);
		await applyFilters('', '', false);
		assert.equal(await rows.count(), Math.min(50, TOTAL));
	});

	await check('one_childs_notes_are_grouped_and_search_by_child_reference_finds_them', async () => {
		await page.getByRole('button', { name: 'Show more notes' }).click();
		await page.waitForFunction((n) => document.querySelectorAll('#queue-body tr').length === n, TOTAL);
		const at = await rowFor(MASH_REF).evaluateAll((trs) => trs.map((tr) => tr.rowIndex));
		assert.equal(at.length, 2);
		assert.equal(at[1], at[0] + 1, 'the newer note (second page) sits under the older one');
		assert.match(await rowFor(MASH_REF).first().textContent(), /2 notes for this child/);
		assert.match(await rowFor(MASH_REF).nth(1).getAttribute('class') || '', /\bsame-child\b/);

		await page.locator('#child-ref').fill(MASH_REF);
		await page.keyboard.press('Enter');
		await page.locator('#child-results h2', { hasText: MASH_REF }).waitFor();
		const found = page.locator('#child-results li.contact');
		assert.equal(await found.count(), 2);
		assert.match(await page.locator('#child-results').textContent(), /MASH enquiry due/);
		assert.ok(await page.locator('#queue').isHidden(), 'the child\'s notes replace the queue');
		await extraShot(page, 'search');
		await page.fill('#child-ref', 'C-NONE-9999');
		await page.getByRole('button', { name: 'Find child' }).click();
		await page.locator('#child-results', { hasText: 'No notes you may see for child C-NONE-9999' }).waitFor();
		await page.getByRole('button', { name: 'Show the whole queue' }).click();
		await queueShown();
		assert.ok(await page.locator('#child-results').isHidden());
		assert.equal(await rows.count(), 50);
	});

	await check('injected_markup_in_a_note_is_shown_as_text', async () => {
		await page.getByRole('button', { name: 'Show more notes' }).click();
		await page.waitForFunction((n) => document.querySelectorAll('#queue-body tr').length === n, TOTAL);
		await openNote('C-XSS-0003');
		assert.equal(await activeId(), 'note-h', 'focus moves to the note heading');
		const words = page.locator('#note-body .latest blockquote.words');
		assert.equal(await words.textContent(), XSS);
		assert.ok(await words.isVisible());
		await page.getByText(XSS).first().waitFor();
		assert.equal(await page.locator('#note-body').getByText(XSS, { exact: true }).count(), 3,
			'child words, who was present and THRIVE threat all literal');
		const found = await page.evaluate(() => ({
			pwned: typeof window.__pwned,
			injected: document.querySelectorAll('#note-view script, #note-view img, #note-view [onerror]').length,
		}));
		assert.deepEqual(found, { pwned: 'undefined', injected: 0 });
		assert.ok(!requested.some((u) => /\/x$/.test(u)), 'the injected <img src=x> was never fetched');
		await extraShot(page, 'xss', true);
	});

	await check('back_returns_focus_to_the_row', async () => {
		await page.getByRole('button', { name: 'Back to the queue' }).click();
		await queueShown();
		const focused = await page.evaluate(() => document.activeElement.closest('th') &&
			document.activeElement.closest('th').textContent);
		assert.match(focused || '', /C-XSS-0003/);
	});

	await check('note_shows_its_images_and_says_which_are_pending', async () => {
		await openNote('C-PLN-0004');
		try {
			await page.waitForFunction(() => {
				const i = document.querySelector('#note-body img.attachment-img');
				return i && i.complete && i.naturalWidth > 0;
			}, null, { timeout: 10000 });
			const img = page.locator('#note-body img.attachment-img');
			assert.equal(await img.count(), 1, 'one image uploaded, one pending');
			assert.match(await img.getAttribute('src'), /^blob:/, 'shown from the fetched bytes');
			assert.equal(await img.getAttribute('alt'), 'A drawing of home');
			await page.getByText('Worksheet: attachment pending (not yet uploaded)').waitFor({ timeout: 10000 });
		} finally {
			await page.getByRole('button', { name: 'Back to the queue' }).click();
			await queueShown();
		}
	});

	await check('amended_note_shows_earlier_revision_and_previous_review', async () => {
		assert.match(await rowFor('C-AMND-0002').textContent(), /revision 2/);
		await openNote('C-AMND-0002');
		assert.match(await page.locator('#note-body .latest h2').first().textContent(), /Latest revision \(2\)/);
		assert.match(await page.locator('#note-body .latest').textContent(), /then the child alone in the kitchen/);
		const older = page.locator('#note-body details.revision');
		assert.equal(await older.count(), 1);
		await older.locator('summary').click();
		assert.match(await older.textContent(), /Mother throughout\./);
		const reviews = page.locator('#note-body .review-list li');
		assert.equal(await reviews.count(), 1);
		assert.match(await reviews.textContent(), /Returned for amendment by super1/);
		assert.equal(await reviews.locator('blockquote').textContent(),
			'Say why the child was not seen alone <i>and</i> where.');
		await page.getByRole('button', { name: 'Back to the queue' }).click();
		await queueShown();
	});

	await check('every_flag_is_explained_in_words', async () => {
		await openNote('C-RISK-0001');
		const got = await page.locator('#note-flags li.flag').evaluateAll((lis) => lis.map((li) => ({
			flag: li.getAttribute('data-flag'),
			label: li.querySelector('.flag-label').textContent,
			why: li.querySelector('.flag-why').textContent,
			todo: li.querySelector('.flag-todo').textContent,
		})));
		assert.deepEqual(got.map((f) => f.flag).sort(), ['no_next_steps', 'no_sharing_decision',
			'referral_without_outcome', 'review_overdue', 's136_consultation_missing', 'seen_alone_unknown']);
		for (const f of got) {
			assert.ok(f.label.length > 5, `${f.flag}: label`);
			assert.ok(f.why.length > 30, `${f.flag}: why: ${f.why}`);
			assert.ok(f.todo.length > 20, `${f.flag}: what to do: ${f.todo}`);
		}
		const by = Object.fromEntries(got.map((f) => [f.flag, f]));
		assert.match(by.review_overdue.why, /^Review due within \d+ hours? because the note records s136 use/);
		assert.match(by.review_overdue.why, /overdue by/);
		assert.match(by.referral_without_outcome.why, /MASH referral was sent 20 days ago/);
		assert.match(by.s136_consultation_missing.why, /section 136/i);
		assert.match(await page.locator('#note-flags').textContent(), /Flags explained/);
		await expectNoAxeViolations(page);
		await expectNoHorizontalOverflow(page, 'note at 1280');
		await extraShot(page, 'flags', true);
		await page.getByRole('button', { name: 'Back to the queue' }).click();
		await queueShown();
	});

	await check('contacts_panel_shows_the_childs_history_with_mash_dates', async () => {
		await page.fill('#child-ref', MASH_REF);
		await page.getByRole('button', { name: 'Find child' }).click();
		await page.locator('#child-results h2', { hasText: MASH_REF }).waitFor();
		await page.locator('#child-results li.contact').first().getByRole('button').click();
		await page.locator('#note-h', { hasText: MASH_REF }).waitFor();
		await page.waitForFunction(() => !document.querySelector('#note-view[aria-busy]'));
		const contacts = page.locator('#contacts li.contact');
		assert.equal(await contacts.count(), 2);
		const when = await contacts.evaluateAll((lis) => lis.map((li) => Date.parse(li.querySelector('time').getAttribute('datetime'))));
		assert.ok(when[0] > when[1], 'newest first');
		for (let i = 0; i < 2; i++) {
			const text = await contacts.nth(i).textContent();
			assert.match(text, /Welfare check/);
			assert.match(text, /officer1/);
			assert.match(text, /north/);
			assert.match(text, /Awaiting review/);
			assert.match(text, ZONE);
			assert.match(await contacts.nth(i).locator('.mash-date').textContent(), /counts toward the MASH threshold/);
		}
		assert.match(await contacts.first().textContent(), /this note/);
		assert.match(await page.locator('#contacts').textContent(), /MASH enquiry due: 2 contacts in 150 days/);
		const mash = page.locator('#note-flags li[data-flag="mash_enquiry_due"]');
		assert.match(await mash.locator('.flag-why').textContent(),
			/^2 contacts in 150 days: \d{1,2} [A-Z][a-z]{2} \d{4}, \d{1,2} [A-Z][a-z]{2} \d{4}\b/);
		// The example note's actions fell due days ago.
		const late = page.locator('#note-body .latest table.actions tr.past-due');
		assert.equal(await late.count(), 2);
		assert.match(await late.first().textContent(), /overdue by/i);
		await expectNoAxeViolations(page);
		await expectNoHorizontalOverflow(page, 'contacts at 1280');
		await page.screenshot({ path: shot('contacts'), fullPage: true });
		await page.getByRole('button', { name: 'Back to the queue' }).click();
		await page.getByRole('button', { name: 'Show the whole queue' }).click();
		await queueShown();
	});

	await check('return_the_oldest_note_with_a_comment_and_the_queue_changes', async () => {
		// Open it with the keyboard.
		await rows.first().getByRole('button').focus();
		await page.keyboard.press('Enter');
		await page.locator('#note-h', { hasText: 'C-RISK-0001' }).waitFor();
		await page.getByLabel('Return to the author for amendment').check();
		assert.match(await page.locator('label[for="d-comment"]').textContent(), /required/);
		await page.getByRole('button', { name: 'Record decision' }).click();
		await page.locator('#decide-error', { hasText: 'Say what the author should add or correct' }).waitFor();
		assert.equal(await activeId(), 'd-comment', 'focus goes to the missing comment');
		await page.fill('#d-comment', 'Record who you consulted about the self-harm <b>before</b> the referral.');
		await page.screenshot({ path: SHOT_NOTE, fullPage: true });
		await page.getByRole('button', { name: 'Record decision' }).click();
		await queueShown();
		await page.locator('#status', { hasText: 'C-RISK-0001 was returned to officer1 for amendment' }).waitFor();
		assert.equal(await activeId(), 'queue-h');
		assert.equal(await rowFor('C-RISK-0001').count(), 0, 'the returned note left the queue');
		assert.equal(await page.locator('#queue-body tr.overdue').count(), 0);
		assert.equal(await rows.count(), Math.min(50, TOTAL - 1));
		const ages = await rows.evaluateAll((trs) => trs.map((tr) =>
			Date.parse(tr.cells[4].querySelector('time').getAttribute('datetime'))));
		for (let i = 1; i < ages.length; i++) assert.ok(ages[i] >= ages[i - 1], `row ${i} out of order`);
		assert.ok(ages[0] >= riskWaiting, 'the next oldest is now first');
	});

	await check('returned_filter_shows_the_decision', async () => {
		await applyFilters('returned', '', false);
		assert.equal(await rows.count(), 1);
		assert.match(await rows.first().textContent(), /C-RISK-0001/);
		assert.match(await rows.first().locator('.status-badge').textContent(), /Returned/);
		await openNote('C-RISK-0001');
		assert.match(await page.locator('#decide-h').textContent(), /Decided: Returned/);
		assert.ok(await page.locator('#decide-submit').isDisabled(), 'no second decision');
		assert.equal(await page.locator('#note-body .review-list blockquote').textContent(),
			'Record who you consulted about the self-harm <b>before</b> the referral.');
		await page.getByRole('button', { name: 'Back to the queue' }).click();
		await queueShown();
	});

	await check('escalate_with_target_and_stage', async () => {
		await applyFilters('', '', false);
		await openNote('C-AMND-0002');
		await page.getByLabel('Escalate', { exact: true }).check();
		await page.getByRole('button', { name: 'Record decision' }).click();
		await page.locator('#decide-error', { hasText: 'Choose who to escalate to' }).waitFor();
		assert.equal(await activeId(), 'd-target');
		await page.getByLabel('Escalate to').selectOption('mash');
		await page.getByLabel('Stage', { exact: true }).selectOption('2');
		await page.getByRole('button', { name: 'Record decision' }).click();
		await queueShown();
		await page.locator('#status', { hasText: 'C-AMND-0002 was escalated' }).waitFor();
		assert.equal(await rowFor('C-AMND-0002').count(), 0);
		await applyFilters('escalated', '', false);
		assert.equal(await rows.count(), 1);
		await openNote('C-AMND-0002');
		assert.match(await page.locator('#note-body .review-list li').last().textContent(),
			/Escalated by super1[\s\S]*To MASH, stage 2/);
		// An escalated note may still be decided.
		assert.ok(await page.locator('#decide-submit').isEnabled());
		await page.getByRole('button', { name: 'Back to the queue' }).click();
		await applyFilters('', '', false);
	});

	await check('accept_the_oldest', async () => {
		const ref = (await rows.first().locator('th').textContent()).replace(/^Open note for child /, '');
		await openNote(ref);
		await page.getByLabel('Accept', { exact: true }).check();
		await page.getByRole('button', { name: 'Record decision' }).click();
		await queueShown();
		await page.locator('#status', { hasText: `${ref} was accepted` }).waitFor();
		assert.equal(await rowFor(ref).count(), 0);
	});

	await check('a_decision_the_server_refuses_shows_its_message', async () => {
		// Someone else accepts the note while it is open here; this page's
		// "return" then meets the server's 409 and its message.
		const ref = (await rows.first().locator('th').textContent()).replace(/^Open note for child /, '');
		const id = await page.evaluate(() => document.querySelector('#queue-body button[data-note]').noteId);
		await openNote(ref);
		const status = await page.evaluate(async (noteId) => {
			const { token } = JSON.parse(sessionStorage.getItem('fieldnote.review.session'));
			const r = await fetch(`/v1/notes/${encodeURIComponent(noteId)}/review`, {
				method: 'POST',
				headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
				body: JSON.stringify({ revision: 1, decision: 'accepted' }),
			});
			await r.text();
			return r.status;
		}, id);
		assert.equal(status, 201);
		await page.getByLabel('Return to the author for amendment').check();
		await page.fill('#d-comment', 'Too late.');
		await page.getByRole('button', { name: 'Record decision' }).click();
		await page.locator('#decide-error', { hasText: 'This revision was already accepted. The note has been reloaded' }).waitFor();
		assert.match(await page.locator('#decide-h').textContent(), /Decided: Accepted/);
		assert.ok(await page.locator('#decide-submit').isDisabled());
		await page.getByRole('button', { name: 'Back to the queue' }).click();
		await queueShown();
	});

	await check('an_ended_session_returns_to_sign_in_with_the_reason', async () => {
		const status = await page.evaluate(async () => {
			const { token } = JSON.parse(sessionStorage.getItem('fieldnote.review.session'));
			const r = await fetch('/v1/session', { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } });
			await r.text();
			return r.status;
		});
		assert.equal(status, 204);
		await page.getByRole('button', { name: 'Refresh' }).click();
		await page.locator('#signin-view').waitFor({ state: 'visible' });
		assert.equal(await errorBox.textContent(), 'Your session has ended. Sign in first.');
		assert.equal(await page.evaluate(() => sessionStorage.length), 0);
		assert.equal(await activeId(), 'username');
	});

	await check('sign_out_forgets_the_token', async () => {
		await page.fill('#username', env('FN_SUPER'));
		await page.fill('#password', env('FN_SUPER_PW'));
		await page.click('#signin-button');
		await queueShown();
		// A filler from the middle of the first page: accept_the_oldest and
		// the refused-decision check take the queue's first two rows, which
		// are fillers when the set-up posts everything within one second.
		await openNote('C-FIL-0020');
		await page.getByRole('button', { name: 'Back to the queue' }).click();
		await queueShown();
		await page.fill('#child-ref', MASH_REF);
		await page.getByRole('button', { name: 'Find child' }).click();
		await page.locator('#child-results li.contact').first().getByRole('button').click();
		await page.locator('#note-h', { hasText: MASH_REF }).waitFor();
		await page.getByRole('button', { name: 'Sign out' }).click();
		await page.locator('#signin-view').waitFor({ state: 'visible' });
		assert.equal(await page.evaluate(() => sessionStorage.length), 0);
		// Nothing read while signed in is left in the page, shown or hidden.
		const left = await page.evaluate(() => document.body.textContent);
		for (const s of ['C-FIL-', MASH_REF, 'officer1', 'super1', 'Welfare check', 'headphones'])
			assert.ok(!left.includes(s), `"${s}" is still in the page after sign-out`);
		assert.equal(await page.inputValue('#child-ref'), '');
		assert.equal(await page.inputValue('#username'), '');
		assert.equal(await page.inputValue('#d-comment'), '');
		assert.equal(await page.locator('#f-team option').count(), 1);
		await page.reload();
		await page.locator('#signin-view').waitFor({ state: 'visible' });
	});

	await check('a_reply_that_arrives_after_sign_out_is_dropped', async () => {
		await page.fill('#username', env('FN_SUPER'));
		await page.fill('#password', env('FN_SUPER_PW'));
		await page.click('#signin-button');
		await queueShown();
		// The next queue reply, made while signed in, is held until the
		// supervisor has signed out.
		let release;
		const held = new Promise((r) => { release = r; });
		let arrived;
		const seen = new Promise((r) => { arrived = r; });
		const reply = await page.evaluate(async () => {
			const { token } = JSON.parse(sessionStorage.getItem('fieldnote.review.session'));
			const r = await fetch('/v1/review/queue?limit=50', { headers: { Authorization: `Bearer ${token}` } });
			return r.text();
		});
		await page.route('**/v1/review/queue*', async (route) => {
			arrived();
			await held;
			await route.fulfill({ status: 200, contentType: 'application/json', body: reply });
		});
		await page.getByRole('button', { name: 'Refresh' }).click();
		await seen;
		await page.getByRole('button', { name: 'Sign out' }).click();
		await page.locator('#signin-view').waitFor({ state: 'visible' });
		const answered = page.waitForResponse('**/v1/review/queue*');
		release();
		await answered;
		// Give the page's own handlers their turn before looking.
		await page.evaluate(() => new Promise((r) => setTimeout(r, 100)));
		await page.unroute('**/v1/review/queue*');
		assert.equal(await page.locator('#queue-body tr').count(), 0, 'the late reply filled the queue');
		assert.ok(!(await page.evaluate(() => document.body.textContent)).includes('C-FIL-'));
		assert.ok(await page.locator('#signin-view').isVisible());
	});

	await phoneChecks(browser, problems, requested);

	await check('no_script_errors_or_csp_violations', async () => {
		assert.deepEqual(problems, []);
	});

	await browser.close();
	console.log('DONE');
}

main().catch((e) => {
	console.error(e && e.stack ? e.stack : e);
	process.exit(2);
});
