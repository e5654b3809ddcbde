/* common.js - what every part of the review page shares: the page's state,
 * building DOM from text, labels, times and the API call. Loaded first;
 * the other scripts (explain, child, note, queue, review) add to window.FN.
 *
 * Safety rule for every script of the page: text from the server (every
 * note field, every error message) reaches the page only through
 * textContent or as an option value. Nothing uses innerHTML, outerHTML,
 * insertAdjacentHTML, document.write or sets an attribute whose name or URL
 * comes from data. The session token lives in sessionStorage (gone when the
 * tab closes) and in memory; it is never put in a URL. */
(function () {
	'use strict';

	var FN = window.FN = {};

	FN.LABELS = {
		context: {
			s136: 'Section 136', s135: 'Section 135', domestic_abuse: 'Domestic abuse',
			missing: 'Missing', custody: 'Custody', welfare_check: 'Welfare check',
			school: 'School', health: 'Health', other: 'Other'
		},
		status: {
			submitted: 'Awaiting review', accepted: 'Accepted', returned: 'Returned',
			escalated: 'Escalated'
		},
		decision: { accepted: 'Accepted', returned: 'Returned for amendment', escalated: 'Escalated' },
		target: { mash: 'MASH', early_help: 'Early help', camhs: 'CAMHS', duty_manager: 'Duty manager' },
		flag: {
			mash_enquiry_due: 'MASH enquiry due',
			seen_alone_unknown: 'Seen alone: not recorded',
			no_sharing_decision: 'No sharing decision',
			no_next_steps: 'No next steps',
			s136_consultation_missing: 's136: no consultation recorded',
			referral_without_outcome: 'Referral without outcome',
			referral_unacknowledged: 'Referral not acknowledged',
			review_overdue: 'Review overdue',
			escalation_overdue: 'Escalation overdue'
		},
		escalation_body: {
			manager: 'the team manager', head_of_service: 'the head of service',
			safeguarding_partnership: 'the safeguarding partnership'
		},
		age_band: {
			under_5: 'Under 5', '5_to_9': '5 to 9', '10_to_12': '10 to 12', '13_to_15': '13 to 15',
			'16_to_17': '16 to 17', '18_plus': '18 or over'
		},
		place_of_safety: {
			home: 'Home', hospital: 'Hospital', ed: 'Emergency department',
			police_station: 'Police station', other: 'Other'
		},
		consulted: { yes: 'Yes', no: 'No', impracticable: 'Not practicable' },
		referral_type: {
			none: 'None', vprf: 'VPRF', mash: 'MASH', early_help: 'Early help', camhs: 'CAMHS',
			other: 'Other'
		},
		consent: { given: 'Given', refused: 'Refused', not_sought: 'Not sought' }
	};
	/* Flags worth a stronger colour: they point at a risk to the child or a
	 * deadline, not at a gap in the record. */
	FN.URGENT_FLAGS = { mash_enquiry_due: 1, s136_consultation_missing: 1, review_overdue: 1,
		escalation_overdue: 1 };

	/* Everything the page holds about what the supervisor has read; reset
	 * (FN.resetState) when the session ends. */
	FN.S = {};
	/* Counts resets: a reply to a request made before the last one is
	 * dropped (FN.api), so nothing reappears after sign-out. */
	FN.epoch = 0;
	FN.resetState = function () {
		var S = FN.S;
		FN.epoch++;
		S.token = null; S.user = null; S.expires = 0;
		S.filters = { status: '', team: '', flag: '', overdue: false };
		S.items = []; S.next = null; S.shown = 0; S.lastPage = [];
		S.note = null; S.contacts = null; S.openedId = null;
		S.child = null;
		S.busy = false;
	};
	FN.resetState();

	FN.$ = function (id) { return document.getElementById(id); };

	/* el('p', {class: 'x'}, 'text', child, ...): text children become text
	 * nodes, never markup. Attribute names are always literals here. */
	FN.el = function (tag, attrs) {
		var e = document.createElement(tag);
		if (attrs) {
			for (var k in attrs) {
				if (!Object.prototype.hasOwnProperty.call(attrs, k) || attrs[k] == null || attrs[k] === false)
					continue;
				if (k === 'class') e.className = attrs[k];
				else if (k === 'text') e.textContent = String(attrs[k]);
				else e.setAttribute(k, attrs[k] === true ? '' : String(attrs[k]));
			}
		}
		for (var i = 2; i < arguments.length; i++) append(e, arguments[i]);
		return e;
	};
	function append(parent, c) {
		if (c == null || c === false) return;
		if (Array.isArray(c)) { c.forEach(function (x) { append(parent, x); }); return; }
		parent.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
	}
	FN.clear = function (node) { while (node.firstChild) node.removeChild(node.firstChild); };

	FN.label = function (kind, v) {
		if (v == null) return '';
		var t = FN.LABELS[kind] && FN.LABELS[kind][v];
		return t || String(v).replace(/_/g, ' ');
	};

	/* ------------------------------------------------------------ time --- */

	FN.plural = function (n, w) { return n + ' ' + w + (n === 1 ? '' : 's'); };
	var plural = FN.plural;

	/* "45 minutes", "5 hours 10 minutes", "3 days 4 hours", "6 weeks". */
	FN.duration = function (sec) {
		sec = Math.max(0, Math.floor(sec));
		if (sec < 60) return 'under a minute';
		var m = Math.floor(sec / 60);
		if (m < 60) return plural(m, 'minute');
		var h = Math.floor(m / 60);
		if (h < 24) return plural(h, 'hour') + (h < 10 && m % 60 ? ' ' + plural(m % 60, 'minute') : '');
		var d = Math.floor(h / 24);
		if (d < 14) return plural(d, 'day') + (h % 24 ? ' ' + plural(h % 24, 'hour') : '');
		if (d < 120) return plural(Math.floor(d / 7), 'week') + (d % 7 ? ' ' + plural(d % 7, 'day') : '');
		if (d < 730) return plural(Math.floor(d / 30.44), 'month');
		return plural(Math.floor(d / 365.25), 'year');
	};

	/* Times always name their zone ("30 Nov 2026, 14:03 GMT"): a note may be
	 * read far from where, or in another season from when, it was written. */
	var DATE_FMT = { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit',
		timeZoneName: 'short' };
	var DAY_FMT = { day: 'numeric', month: 'short', year: 'numeric' };
	FN.dateText = function (sec) {
		var d = new Date(sec * 1000);
		try { return d.toLocaleString('en-GB', DATE_FMT); } catch (e) { return d.toISOString(); }
	};
	FN.dayText = function (sec) {
		var d = new Date(sec * 1000);
		try { return d.toLocaleDateString('en-GB', DAY_FMT); } catch (e) { return d.toISOString().slice(0, 10); }
	};
	FN.timeEl = function (sec, text) {
		if (typeof sec !== 'number') return FN.el('span', { class: 'muted' }, 'not recorded');
		return FN.el('time', { datetime: new Date(sec * 1000).toISOString(), title: FN.dateText(sec) },
			text == null ? FN.dateText(sec) : text);
	};
	FN.now = function () { return Math.floor(Date.now() / 1000); };

	/* ------------------------------------------------------------- API --- */

	function ApiError(status, name, message, field) {
		this.status = status; this.name = name || ''; this.message = message; this.field = field || '';
	}

	/* A 401 on any call but sign-in ends the session: FN.onSessionEnded.
	 * A reply that arrives after the page was reset (sign-out) never
	 * settles: no handler of the old session runs. */
	FN.api = function (method, path, body) {
		var S = FN.S, epoch = FN.epoch;
		var never = function () { return new Promise(function () {}); };
		var headers = { Accept: 'application/json' };
		if (S.token) headers.Authorization = 'Bearer ' + S.token;
		var init = { method: method, headers: headers, cache: 'no-store', credentials: 'omit',
			referrerPolicy: 'no-referrer', redirect: 'error' };
		if (body !== undefined) {
			headers['Content-Type'] = 'application/json';
			init.body = JSON.stringify(body);
		}
		return fetch(path, init).then(function (res) {
			return res.text().then(function (text) {
				if (epoch !== FN.epoch) return never();
				var data = null;
				if (text) { try { data = JSON.parse(text); } catch (e) { data = null; } }
				if (res.ok) return data;
				var msg = data && typeof data.message === 'string' && data.message
					? data.message : 'The server answered ' + res.status + ' ' + res.statusText + '.';
				var err = new ApiError(res.status, data && data.name, msg, data && data.field);
				if (res.status === 401 && S.token && path !== '/v1/session' && FN.onSessionEnded)
					FN.onSessionEnded(msg);
				throw err;
			});
		}, function () {
			if (epoch !== FN.epoch) return never();
			throw new ApiError(0, 'NETWORK', 'Cannot reach the server. Check the connection and try again.');
		});
	};

	/* --------------------------------------------------------- messages --- */

	var sayTimer = 0;
	FN.say = function (text) {
		/* Emptied first so that the same message is announced again. */
		FN.clearStatus();
		sayTimer = window.setTimeout(function () { FN.$('status').textContent = text; }, 30);
	};
	FN.clearStatus = function () {
		window.clearTimeout(sayTimer);
		FN.$('status').textContent = '';
	};
	FN.showError = function (box, text, focus) {
		box = box || FN.$('error');
		box.textContent = text;
		box.hidden = false;
		if (focus) box.focus();
	};
	FN.hideError = function (box) { box = box || FN.$('error'); box.hidden = true; box.textContent = ''; };
	/* API messages are lower-case phrases: shown as a sentence. */
	FN.sentence = function (t) {
		t = String(t || '').trim();
		if (!t) return t;
		t = t.charAt(0).toUpperCase() + t.slice(1);
		return /[.!?]$/.test(t) ? t : t + '.';
	};

	FN.statusBadge = function (st) {
		return FN.el('span', { class: 'status-badge st-' + (FN.LABELS.status[st] ? st : 'other') },
			FN.label('status', st));
	};
	FN.flagList = function (flags) {
		if (!flags || !flags.length) return FN.el('span', { class: 'muted' }, 'none');
		return FN.el('ul', { class: 'badges' }, flags.map(function (f) {
			return FN.el('li', { class: 'badge' + (FN.URGENT_FLAGS[f] ? ' urgent' : '') }, FN.label('flag', f));
		}));
	};
})();
