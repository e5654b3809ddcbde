// review.test.js - drives the supervisor's review page in headless Chromium.
// Run by tests/integration/test_browser.sh, which starts the server, makes
// the notes and passes everything in the environment:
//   FN_URL, FN_SPKI (base64 SHA-256 of the server's public key), FN_CHROMIUM,
//   FN_QUEUE_TOTAL (notes awaiting review), FN_SUPER / FN_SUPER_PW,
//   FN_OFFICER / FN_OFFICER_PW, FN_XSS (markup stored in a note), FN_SHOT
//   (the queue's screenshot; the note's goes beside it as *-note.png).
// Prints "PASS name" / "FAIL name" per check, then "DONE". The checks run in
// order and build on each other; after a failure the rest are reported as
// failed without running.
'use strict';

const assert = require('node:assert/strict');
const path = require('node:path');
const { chromium } = require(path.join(__dirname, 'node_modules', 'playwright-core'));

const env = (k) => {
	const v = process.env[k];
	if (!v) throw new Error(`${k} is not set; run tests/integration/test_browser.sh`);
	return v;
};
const URL = env('FN_URL');
const TOTAL = Number(env('FN_QUEUE_TOTAL'));
const XSS = env('FN_XSS');
const SHOT = env('FN_SHOT');
const SHOT_NOTE = SHOT.replace(/\.png$/, '') + '-note.png';
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
	"img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const T = 10000; // ms for any one wait

// FN_SHOTS_DIR: when set, more screenshots for a person to look at.
async function extraShot(page, name, fullPage) {
	const dir = process.env.FN_SHOTS_DIR;
	if (dir) await page.screenshot({ path: path.join(dir, `review-${name}.png`), fullPage: !!fullPage });
}

let firstFailure = null;
async function check(name, fn) {
	if (firstFailure) {
		console.log(`FAIL ${name} (not run: ${firstFailure} failed)`);
		return;
	}
	try {
		await fn();
		console.log(`PASS ${name}`);
	} catch (e) {
		firstFailure = name;
		console.log(`FAIL ${name}`);
		console.error(`${name}: ${e && e.stack ? e.stack : e}`);
	}
}

async function main() {
	const browser = await chromium.launch({
		executablePath: env('FN_CHROMIUM'),
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
			'--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
			// Only the test server's own key is accepted, not any certificate.
			`--ignore-certificate-errors-spki-list=${env('FN_SPKI')}`],
	});
	const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-GB' });
	const page = await context.newPage();
	page.setDefaultTimeout(T);
	const problems = [];
	// Chromium logs every 4xx answer as a console error; the page expects
	// some (a wrong password), so only other errors count.
	page.on('console', (m) => {
		if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text()))
			problems.push(`console: ${m.text()}`);
	});
	page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
	// Requests that fail outright; an <img src=x> the page should never make.
	page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}: ${r.failure() && r.failure().errorText}`));
	const requested = [];
	page.on('request', (r) => requested.push(r.url()));

	const rows = page.locator('#queue-body tr');
	const rowFor = (ref) => rows.filter({ has: page.locator('th', { hasText: ref }) });
	const errorBox = page.locator('#signin-error');
	const activeId = () => page.evaluate(() => document.activeElement && document.activeElement.id);
	const queueShown = async () => {
		await page.locator('#queue-view').waitFor({ state: 'visible' });
		await page.waitForFunction(() => !document.querySelector('#queue[aria-busy]'));
	};
	async function applyFilters(status, flag, overdue) {
		await page.selectOption('#f-status', status);
		await page.selectOption('#f-flag', flag);
		await page.setChecked('#f-overdue', overdue);
		await page.getByRole('button', { name: 'Apply filters' }).click();
		await queueShown();
	}
	async function openNote(ref) {
		await rowFor(ref).getByRole('button').click();
		await page.locator('#note-view').waitFor({ state: 'visible' });
		await assert.doesNotReject(page.locator('#note-h', { hasText: ref }).waitFor());
	}

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
		// The next Tab reaches the first filter, with a visible focus ring.
		await page.keyboard.press('Tab');
		assert.equal(await activeId(), 'f-status');
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

	await check('show_more_loads_the_next_page', async () => {
		const more = page.getByRole('button', { name: 'Show more notes' });
		await more.click();
		await page.waitForFunction((n) => document.querySelectorAll('#queue-body tr').length === n, TOTAL);
		assert.ok(await more.isHidden(), 'no more pages');
		const refs = await rows.locator('th').allTextContents();
		assert.equal(new Set(refs).size, TOTAL, 'no note twice');
		assert.equal(await activeId(), '', 'focus is on the first new row');
		assert.equal(await page.evaluate(() => document.activeElement.closest('tr').rowIndex), 51);
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
		await page.getByRole('button', { name: 'Sign out' }).click();
		await page.locator('#signin-view').waitFor({ state: 'visible' });
		assert.equal(await page.evaluate(() => sessionStorage.length), 0);
		await page.reload();
		await page.locator('#signin-view').waitFor({ state: 'visible' });
	});

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
