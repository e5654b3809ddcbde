// phone.js - the review page on a phone: 390x844, then 320 px wide. Run
// from review.test.js after the desktop checks, on what they left.
'use strict';

const {
	assert, URL, MASH_REF, PHONE, shot, extraShot, check, expectNoAxeViolations,
	expectNoHorizontalOverflow, wordsBrokenMidWord, newPage, helpers,
} = require('./lib.js');

async function phoneChecks(browser, problems, requested) {
	const page = await newPage(browser, PHONE, problems, requested);
	const h = helpers(page);
	const narrow = async (what, fn) => {
		await page.setViewportSize({ width: 320, height: 640 });
		try { await fn(what); } finally { await page.setViewportSize(PHONE); }
	};

	await check('phone_sign_in_fits_with_no_axe_violations', async () => {
		await page.goto(`${URL}/review/`);
		await page.locator('#signin-view').waitFor({ state: 'visible' });
		await expectNoHorizontalOverflow(page, 'sign-in at 390');
		await expectNoAxeViolations(page);
		await narrow('sign-in at 320', (w) => expectNoHorizontalOverflow(page, w));
		await extraShot(page, 'phone-signin');
		await h.signIn();
	});

	await check('phone_queue_is_cards_without_sideways_scroll', async () => {
		const first = h.rows.first();
		assert.equal(await first.evaluate((tr) => getComputedStyle(tr).display), 'block', 'a row is a card');
		assert.ok(await page.locator('#queue thead').evaluate((e) => e.getBoundingClientRect().height <= 1),
			'no column headings above the cards');
		assert.match(await first.locator('td.when').nth(1).evaluate((e) => getComputedStyle(e, '::before').content),
			/Waiting/, 'each value in a card is labelled');
		await expectNoHorizontalOverflow(page, 'queue at 390');
		await expectNoAxeViolations(page);
		await page.screenshot({ path: shot('phone-queue') });
		await narrow('queue at 320', async (w) => {
			await expectNoHorizontalOverflow(page, w);
			await page.screenshot({ path: shot('phone320-queue') });
		});
	});

	await check('phone_search_by_child_reference', async () => {
		await h.searchChild(MASH_REF);
		assert.equal(await page.locator('#child-results li.contact').count(), 2);
		await expectNoHorizontalOverflow(page, 'search at 390');
		await expectNoAxeViolations(page);
		await extraShot(page, 'phone-search', true);
	});

	await check('phone_note_shows_the_contacts_and_the_decision_within_two_screens', async () => {
		await page.locator('#child-results li.contact').first().getByRole('button').click();
		await page.locator('#note-h', { hasText: MASH_REF }).waitFor();
		await page.waitForFunction(() => !document.querySelector('#note-view[aria-busy]'));
		assert.equal(await page.locator('#contacts li.contact .mash-date').count(), 2, 'MASH dates marked');
		assert.match(await page.locator('li[data-flag="mash_enquiry_due"] .flag-why').textContent(), /2 contacts in 150 days/);
		await page.screenshot({ path: shot('phone-note-top') });
		const jump = page.getByRole('link', { name: 'Go to your decision' });
		const box = await jump.boundingBox();
		assert.ok(box && box.y + box.height <= 2 * PHONE.height, `the jump link is at y=${box && box.y}`);
		await page.screenshot({ path: shot('phone-note'), fullPage: true });
		// Half-way down the note it is still on the screen.
		await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight / 2));
		const mid = await jump.boundingBox();
		assert.ok(mid && mid.y >= 0 && mid.y + mid.height <= PHONE.height, `mid-note the jump link is at y=${mid && mid.y}`);
		await jump.click();
		await page.waitForFunction(() => {
			const r = document.getElementById('decide-form').getBoundingClientRect();
			return r.top >= 0 && r.top < window.innerHeight / 2;
		});
		assert.equal(await h.activeId(), 'decide-h', 'focus moves to the decision');
		await page.screenshot({ path: shot('phone-decision') });
		await expectNoHorizontalOverflow(page, 'note at 390');
		assert.deepEqual(await wordsBrokenMidWord(page, '#note-view'), [], 'words broken mid-word at 390');
		await expectNoAxeViolations(page);
		await narrow('note at 320', async (w) => {
			await expectNoHorizontalOverflow(page, w);
			assert.deepEqual(await wordsBrokenMidWord(page, '#note-view'), [], 'words broken mid-word at 320');
			await page.screenshot({ path: shot('phone320-note'), fullPage: true });
		});
	});
	await page.context().close();
}


module.exports = { phoneChecks };
