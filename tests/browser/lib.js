// lib.js - what the browser checks share: the environment, the PASS/FAIL
// protocol, axe-core, layout measurements and the page's common steps.
'use strict';

const assert = require('node:assert/strict');
const path = require('node:path');
const fs = require('node:fs');
const { chromium } = require(path.join(__dirname, 'node_modules', 'playwright-core'));
const AXE = fs.readFileSync(path.join(__dirname, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

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
// More screenshots beside FN_SHOT: review-<name>.png.
const shot = (name) => path.join(path.dirname(SHOT), `review-${name}.png`);
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
	"img-src 'self' blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const T = 10000; // ms for any one wait
const MASH_REF = 'C-MASH-0005'; // a child with two contacts 150 days apart
const ZONE = /\b(GMT|BST|UTC)\b|GMT[+-]\d/;
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

// FN_SHOTS_DIR: when set, more screenshots for a person to look at.
async function extraShot(page, name, fullPage) {
	const dir = process.env.FN_SHOTS_DIR;
	if (dir) await page.screenshot({ path: path.join(dir, `review-${name}.png`), fullPage: !!fullPage });
}

let firstFailure = null;
async function check(name, fn) {
	if (firstFailure && !process.env.FN_KEEP_GOING) {
		console.log(`FAIL ${name} (not run: ${firstFailure} failed)`);
		return;
	}
	try {
		await fn();
		console.log(`PASS ${name}`);
	} catch (e) {
		firstFailure = firstFailure || name;
		console.log(`FAIL ${name}`);
		console.error(`${name}: ${e && e.stack ? e.stack : e}`);
	}
}

// axe-core's rules (WCAG 2.x A and AA and best practice) on the page as it
// is now. Evaluated through the DevTools protocol, which the page's CSP does
// not govern, so the page itself never has to allow an inline script.
async function axeViolations(page) {
	if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE);
	const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
	return res.violations.map((v) => `${v.id} (${v.impact}): ${v.help}: ` +
		v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | '));
}
async function expectNoAxeViolations(page) {
	assert.deepEqual(await axeViolations(page), []);
}

// The page never scrolls sideways: nothing is wider than the window.
async function expectNoHorizontalOverflow(page, what) {
	const m = await page.evaluate(() => ({
		scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
		wide: Array.from(document.querySelectorAll('main *')).filter((e) => {
			const r = e.getBoundingClientRect();
			return r.width > 0 && r.right > window.innerWidth + 0.5 && !e.closest('.visually-hidden');
		}).slice(0, 5).map((e) => `${e.tagName.toLowerCase()}.${e.className}`),
	}));
	assert.ok(m.scroll <= m.inner, `${what}: scrollWidth ${m.scroll} > innerWidth ${m.inner}; too wide: ${m.wide}`);
	assert.deepEqual(m.wide, [], `${what}: elements past the right edge`);
}

// Words broken across two lines inside the word (not at a space or hyphen).
// A token longer than 24 characters (an id, a URL) may have to break.
async function wordsBrokenMidWord(page, selector) {
	return page.evaluate((sel) => {
		const out = [];
		const root = document.querySelector(sel);
		const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
		for (let n = walker.nextNode(); n; n = walker.nextNode()) {
			const el = n.parentElement;
			if (!el || el.closest('.visually-hidden')) continue;
			const re = /[^\s\-\u2010-\u2014/,]+/g;
			for (let m = re.exec(n.data); m; m = re.exec(n.data)) {
				if (m[0].length > 24) continue;
				const r = document.createRange();
				r.setStart(n, m.index);
				r.setEnd(n, m.index + m[0].length);
				const tops = new Set(Array.from(r.getClientRects()).filter((x) => x.width > 0)
					.map((x) => Math.round(x.top)));
				if (tops.size > 1) out.push(m[0]);
			}
		}
		return out;
	}, selector);
}

async function newPage(browser, viewport, problems, requested) {
	const context = await browser.newContext({ viewport, locale: 'en-GB', timezoneId: 'Europe/London',
		isMobile: viewport.width < 600, hasTouch: viewport.width < 600 });
	const page = await context.newPage();
	page.setDefaultTimeout(T);
	// Chromium logs every 4xx answer as a console error; the page expects
	// some (a wrong password), so only other errors count.
	page.on('console', (m) => {
		if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text()))
			problems.push(`console: ${m.text()}`);
	});
	page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
	// Requests that fail outright; an <img src=x> the page should never make.
	page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}: ${r.failure() && r.failure().errorText}`));
	page.on('request', (r) => requested.push(r.url()));
	return page;
}

// Locators and steps shared by the desktop and the phone checks.
function helpers(page) {
	const h = {};
	h.rows = page.locator('#queue-body tr');
	h.rowFor = (ref) => h.rows.filter({ has: page.locator('th', { hasText: ref }) });
	h.activeId = () => page.evaluate(() => document.activeElement && document.activeElement.id);
	h.queueShown = async () => {
		await page.locator('#queue-view').waitFor({ state: 'visible' });
		await page.waitForFunction(() => !document.querySelector('#queue[aria-busy]'));
	};
	h.signIn = async () => {
		await page.fill('#username', env('FN_SUPER'));
		await page.fill('#password', env('FN_SUPER_PW'));
		await page.click('#signin-button');
		await h.queueShown();
	};
	h.applyFilters = async (status, flag, overdue) => {
		await page.selectOption('#f-status', status);
		await page.selectOption('#f-flag', flag);
		await page.setChecked('#f-overdue', overdue);
		await page.getByRole('button', { name: 'Apply filters' }).click();
		await h.queueShown();
	};
	h.openNote = async (ref) => {
		await h.rowFor(ref).first().getByRole('button').click();
		await page.locator('#note-view').waitFor({ state: 'visible' });
		await assert.doesNotReject(page.locator('#note-h', { hasText: ref }).waitFor());
		await page.waitForFunction(() => !document.querySelector('#note-view[aria-busy]'));
	};
	h.backToQueue = async () => {
		await page.getByRole('button', { name: 'Back to the queue' }).click();
		await h.queueShown();
	};
	// Finds a child by reference; resolves once the child's notes are shown.
	h.searchChild = async (ref) => {
		await page.fill('#child-ref', ref);
		await page.getByRole('button', { name: 'Find child' }).click();
		await page.locator('#child-results h2', { hasText: ref }).waitFor();
	};
	return h;
}

module.exports = {
	assert, env, URL, TOTAL, XSS, SHOT, SHOT_NOTE, shot, CSP, T, MASH_REF, ZONE, DESKTOP, PHONE,
	chromium, extraShot, check, axeViolations, expectNoAxeViolations, expectNoHorizontalOverflow,
	wordsBrokenMidWord, newPage, helpers,
};
