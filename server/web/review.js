/* review.js - the supervisor's review page: sign in, the queue, one note,
 * a decision. Plain JavaScript, no libraries.
 *
 * Safety rule for this file: text from the server (every note field, every
 * error message) reaches the page only through textContent or as an option
 * value. Nothing here uses innerHTML, outerHTML, insertAdjacentHTML,
 * document.write or sets an attribute whose name or URL comes from data.
 * The session token lives in sessionStorage (gone when the tab closes) and
 * in memory; it is never put in a URL. */
(function () {
	'use strict';

	var DEVICE_ID = 'web-review';
	var STORE_KEY = 'fieldnote.review.session';
	var PAGE = 50;

	var LABELS = {
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
			review_overdue: 'Review overdue'
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
	var URGENT_FLAGS = { mash_enquiry_due: 1, s136_consultation_missing: 1, review_overdue: 1 };

	var S = {
		token: null, user: null, expires: 0,
		filters: { status: '', team: '', flag: '', overdue: false },
		next: null, shown: 0,
		note: null, openedId: null,
		busy: false
	};

	function $(id) { return document.getElementById(id); }

	/* el('p', {class: 'x'}, 'text', child, ...): text children become text
	 * nodes, never markup. Attribute names are always literals here. */
	function el(tag, attrs) {
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
	}
	function append(parent, c) {
		if (c == null || c === false) return;
		if (Array.isArray(c)) { c.forEach(function (x) { append(parent, x); }); return; }
		parent.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
	}
	function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

	function label(kind, v) {
		if (v == null) return '';
		var t = LABELS[kind] && LABELS[kind][v];
		return t || String(v).replace(/_/g, ' ');
	}

	/* ------------------------------------------------------------ time --- */

	function plural(n, w) { return n + ' ' + w + (n === 1 ? '' : 's'); }

	/* "45 minutes", "5 hours 10 minutes", "3 days 4 hours", "6 weeks". */
	function duration(sec) {
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
	}

	var DATE_FMT = { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' };
	function dateText(sec) {
		var d = new Date(sec * 1000);
		try { return d.toLocaleString('en-GB', DATE_FMT); } catch (e) { return d.toISOString(); }
	}
	function timeEl(sec, text) {
		if (typeof sec !== 'number') return el('span', { class: 'muted' }, 'not recorded');
		return el('time', { datetime: new Date(sec * 1000).toISOString(), title: dateText(sec) },
			text == null ? dateText(sec) : text);
	}
	function now() { return Math.floor(Date.now() / 1000); }

	/* ------------------------------------------------------------- API --- */

	function ApiError(status, name, message, field) {
		this.status = status; this.name = name || ''; this.message = message; this.field = field || '';
	}

	function api(method, path, body) {
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
				var data = null;
				if (text) { try { data = JSON.parse(text); } catch (e) { data = null; } }
				if (res.ok) return data;
				var msg = data && typeof data.message === 'string' && data.message
					? data.message : 'The server answered ' + res.status + ' ' + res.statusText + '.';
				var err = new ApiError(res.status, data && data.name, msg, data && data.field);
				if (res.status === 401 && S.token && path !== '/v1/session') sessionEnded(msg);
				throw err;
			});
		}, function () {
			throw new ApiError(0, 'NETWORK', 'Cannot reach the server. Check the connection and try again.');
		});
	}

	/* --------------------------------------------------------- messages --- */

	var sayTimer = 0;
	function say(text) {
		/* Emptied first so that the same message is announced again. */
		clearStatus();
		sayTimer = window.setTimeout(function () { $('status').textContent = text; }, 30);
	}
	function clearStatus() {
		window.clearTimeout(sayTimer);
		$('status').textContent = '';
	}
	function showError(box, text, focus) {
		box = box || $('error');
		box.textContent = text;
		box.hidden = false;
		if (focus) box.focus();
	}
	/* API messages are lower-case phrases: shown as a sentence. */
	function sentence(t) {
		t = String(t || '').trim();
		if (!t) return t;
		t = t.charAt(0).toUpperCase() + t.slice(1);
		return /[.!?]$/.test(t) ? t : t + '.';
	}
	function hideError(box) { box = box || $('error'); box.hidden = true; box.textContent = ''; }

	/* ---------------------------------------------------------- session --- */

	function saveSession() {
		try {
			sessionStorage.setItem(STORE_KEY, JSON.stringify({ token: S.token, expires_at: S.expires, user: S.user }));
		} catch (e) { /* storage refused: the session lives in memory only */ }
	}
	function loadSession() {
		try {
			var s = JSON.parse(sessionStorage.getItem(STORE_KEY) || 'null');
			if (s && typeof s.token === 'string' && s.user && s.expires_at > now()) {
				S.token = s.token; S.user = s.user; S.expires = s.expires_at;
				return true;
			}
		} catch (e) { /* ignore a damaged entry */ }
		forgetSession();
		return false;
	}
	function forgetSession() {
		S.token = null; S.user = null; S.expires = 0;
		try { sessionStorage.removeItem(STORE_KEY); } catch (e) { /* nothing kept */ }
	}
	function sessionEnded(msg) {
		forgetSession();
		showView('signin');
		hideError();
		showError($('signin-error'), 'Your session has ended. ' + sentence(msg || 'Sign in again'), false);
		$('username').focus();
	}

	function signIn(ev) {
		ev.preventDefault();
		var box = $('signin-error');
		hideError(box);
		var u = $('username').value.trim(), p = $('password').value;
		if (!u || !p) {
			showError(box, !u ? 'Enter your username.' : 'Enter your password.', false);
			(!u ? $('username') : $('password')).focus();
			return;
		}
		var btn = $('signin-button');
		btn.disabled = true;
		api('POST', '/v1/session', { username: u, password: p, device_id: DEVICE_ID }).then(function (r) {
			$('password').value = '';
			S.token = r.token; S.user = r.user; S.expires = r.expires_at;
			if (!r.user || r.user.role !== 'supervisor') {
				var role = r.user && r.user.role ? r.user.role : 'unknown';
				api('DELETE', '/v1/session').catch(function () {});
				forgetSession();
				showError(box, 'This page is for supervisors; ' + u + ' signs in as ' +
					(/^[aeiou]/.test(role) ? 'an ' : 'a ') + role + '.', true);
				return;
			}
			saveSession();
			startQueue();
			say('Signed in as ' + r.user.username + '.');
		}, function (e) {
			showError(box, sentence(e.message), false);
			$('password').select();
		}).then(function () { btn.disabled = false; });
	}

	function signOut() {
		var had = S.token;
		var done = function () {
			forgetSession();
			showView('signin');
			hideError();
			hideError($('signin-error'));
			say('Signed out.');
			$('username').focus();
		};
		if (!had) return done();
		api('DELETE', '/v1/session').then(done, done);
	}

	/* ------------------------------------------------------------ views --- */

	function showView(name) {
		$('signin-view').hidden = name !== 'signin';
		$('queue-view').hidden = name !== 'queue';
		$('note-view').hidden = name !== 'note';
		var signedIn = name !== 'signin' && S.user;
		$('who').hidden = !signedIn;
		$('who-name').textContent = signedIn
			? S.user.username + ' · ' + (S.user.teams || []).join(', ') : '';
		document.title = (name === 'note' ? 'Note' : name === 'queue' ? 'Review queue' : 'Sign in') +
			' · fieldnote';
	}

	/* ------------------------------------------------------------ queue --- */

	function startQueue() {
		var team = $('f-team');
		while (team.options.length > 1) team.remove(1);
		(S.user.teams || []).forEach(function (t) { team.add(new Option(t, t)); });
		var flag = $('f-flag');
		if (flag.options.length === 1) {
			Object.keys(LABELS.flag).forEach(function (f) { flag.add(new Option(LABELS.flag[f], f)); });
		}
		showView('queue');
		loadQueue(true).then(function () { $('queue-h').focus(); });
	}

	function queuePath() {
		var q = ['limit=' + PAGE];
		var f = S.filters;
		if (f.status) q.push('status=' + encodeURIComponent(f.status));
		if (f.team) q.push('team=' + encodeURIComponent(f.team));
		if (f.flag) q.push('flag=' + encodeURIComponent(f.flag));
		if (f.overdue) q.push('overdue=1');
		if (S.next) q.push('cursor=' + encodeURIComponent(S.next));
		return '/v1/review/queue?' + q.join('&');
	}

	/* reset: from the first page; otherwise the next page is appended. */
	function loadQueue(reset) {
		if (reset) S.next = null;
		hideError();
		var more = $('more');
		more.disabled = true;
		$('queue').setAttribute('aria-busy', 'true');
		return api('GET', queuePath()).then(function (page) {
			var body = $('queue-body');
			if (reset) { clear(body); S.shown = 0; }
			var items = (page && page.items) || [];
			items.forEach(function (it) { body.appendChild(queueRow(it)); });
			S.shown += items.length;
			S.next = page && page.more && page.next ? page.next : null;
			more.hidden = !S.next;
			$('queue-empty').hidden = S.shown > 0;
			$('queue').hidden = S.shown === 0;
			$('queue-summary').textContent = S.shown === 0 ? '' :
				plural(S.shown, 'note') + ' shown' + (S.next ? '; more are waiting.' : '.');
			return items.length;
		}, function (e) {
			if (e.status !== 401) showError(null, 'The queue could not be loaded: ' + sentence(e.message), true);
			return -1;
		}).then(function (n) {
			more.disabled = false;
			$('queue').removeAttribute('aria-busy');
			return n;
		});
	}

	function flagList(flags) {
		if (!flags || !flags.length) return el('span', { class: 'muted' }, 'none');
		return el('ul', { class: 'badges' }, flags.map(function (f) {
			return el('li', { class: 'badge' + (URGENT_FLAGS[f] ? ' urgent' : '') }, label('flag', f));
		}));
	}
	function statusBadge(st) { return el('span', { class: 'status-badge st-' + (LABELS.status[st] ? st : 'other') }, label('status', st)); }

	function queueRow(it) {
		var open = el('button', { type: 'button', class: 'link' },
			el('span', { class: 'visually-hidden' }, 'Open note for child '), it.child_ref);
		open.addEventListener('click', function () { openNote(it.id); });
		open.setAttribute('data-note', '');
		open.noteId = it.id;
		/* The server says what is overdue (only notes still awaiting review). */
		var due = it.overdue
			? el('strong', { class: 'overdue-text' }, 'Overdue by ' + duration(now() - it.due))
			: it.due > now() ? el('span', null, 'in ' + duration(it.due - now()))
				: el('span', { class: 'muted' }, 'was due ' + dateText(it.due));
		var tr = el('tr', { class: it.overdue ? 'overdue' : null },
			el('th', { scope: 'row' }, open),
			el('td', null, label('context', it.context) || el('span', { class: 'muted' }, 'not given')),
			el('td', null, it.author, el('br'), el('span', { class: 'muted' }, it.team)),
			el('td', { class: 'when' }, timeEl(it.occurred_at)),
			el('td', { class: 'when' }, timeEl(it.waiting_since, duration(it.age))),
			el('td', { class: 'when' }, el('time', { datetime: new Date(it.due * 1000).toISOString(), title: dateText(it.due) }, due)),
			el('td', null, statusBadge(it.status), it.latest > 1 ? el('span', { class: 'muted rev' }, ' revision ' + it.latest) : null),
			el('td', null, flagList(it.flags)));
		return tr;
	}

	function applyFilters(ev) {
		ev.preventDefault();
		S.filters = { status: $('f-status').value, team: $('f-team').value, flag: $('f-flag').value, overdue: $('f-overdue').checked };
		loadQueue(true).then(function (n) {
			if (n >= 0) say(S.shown ? plural(S.shown, 'note') + ' match.' : 'No notes match.');
		});
	}

	/* ------------------------------------------------------------- note --- */

	function openNote(id) {
		hideError();
		clearStatus();
		S.openedId = id;
		return api('GET', '/v1/notes/' + encodeURIComponent(id)).then(function (view) {
			S.note = view;
			renderNote(view);
			showView('note');
			window.scrollTo(0, 0);
			$('note-h').focus();
		}, function (e) {
			if (e.status !== 401) showError(null, 'The note could not be opened: ' + sentence(e.message), true);
		});
	}

	function backToQueue(reload) {
		hideError();
		clearStatus();
		showView('queue');
		var p = reload ? loadQueue(true) : Promise.resolve(0);
		return p.then(function () {
			var target = null;
			if (!reload) {
				var btns = $('queue-body').querySelectorAll('button[data-note]');
				for (var i = 0; i < btns.length; i++) if (btns[i].noteId === S.openedId) target = btns[i];
			}
			(target || $('queue-h')).focus();
		});
	}

	/* A definition list of [label, value] pairs; a null value is left out,
	 * `missing` shows as "not recorded" so a gap is visible. */
	var MISSING = {};
	function facts(rows) {
		var dl = el('dl', { class: 'facts' });
		rows.forEach(function (r) {
			var v = r[1];
			if (v == null || v === '') return;
			if (v === MISSING) v = el('span', { class: 'missing' }, 'not recorded');
			dl.appendChild(el('div', null, el('dt', null, r[0]), el('dd', null, v)));
		});
		return dl.childNodes.length ? dl : null;
	}
	function yesNo(b) { return b === true ? 'Yes' : b === false ? 'No' : null; }
	function para(text) {
		if (text == null || text === '') return null;
		return el('p', { class: 'prose' }, text);
	}
	function group(level, title, cls) {
		var rest = Array.prototype.slice.call(arguments, 3).filter(function (x) { return x != null; });
		if (!rest.length) return null;
		return el('section', { class: 'group ' + (cls || '') }, el('h' + level, null, title), rest);
	}

	/* The fields of one revision, grouped as a supervisor reads them. */
	function noteFields(n, level) {
		var mh = n.mental_health || {}, th = n.thrive || {}, ref = n.referral, sh = n.sharing, ns = n.next_steps;
		var words;
		if (n.child_words) {
			words = el('blockquote', { class: 'words' }, n.child_words);
		} else {
			words = el('p', { class: 'missing' }, 'No words recorded.');
		}
		var out = [];
		out.push(group(level, 'In the child\u2019s words', 'voice',
			words,
			facts([
				['Not talked about, and why', n.not_spoken_reason],
				['Wishes and feelings', n.wishes_feelings],
				['Demeanour (observed)', n.demeanour]
			])));
		out.push(group(level, 'Seen', '',
			facts([
				['Child seen', yesNo(n.seen)],
				['Seen alone', n.seen_alone == null ? MISSING : yesNo(n.seen_alone)],
				['Why not alone', n.not_alone_reason],
				['Who else was there', n.present]
			])));
		out.push(group(level, 'Mental health', '',
			facts([
				['Concern', yesNo(mh.concern)],
				['Self-harm', yesNo(mh.self_harm)],
				['Section 136 used', yesNo(mh.s136_used)],
				['Place of safety', mh.place_of_safety ? label('place_of_safety', mh.place_of_safety) : null],
				['Professional consulted', mh.consulted ? label('consulted', mh.consulted)
					: (mh.s136_used ? MISSING : null)],
				['Consulted with, or why not', mh.consulted_with]
			])));
		out.push(group(level, 'THRIVE', '',
			facts([
				['Threat', th.threat], ['Harm', th.harm], ['Risk', th.risk],
				['Investigation', th.investigation], ['Vulnerability', th.vulnerability],
				['Engagement', th.engagement],
				['Level of need', typeof n.level_of_need === 'number' ? String(n.level_of_need) + ' of 4' : null]
			])));
		if (ref) {
			out.push(group(level, 'Referral', '',
				facts([
					['Type', label('referral_type', ref.type)],
					['Sent', typeof ref.sent_at === 'number' ? timeEl(ref.sent_at) : null],
					['Reference', ref.reference],
					['Outcome', ref.outcome || (ref.type !== 'none' ? MISSING : null)],
					['Outcome recorded', typeof ref.outcome_at === 'number' ? timeEl(ref.outcome_at) : null]
				])));
		}
		out.push(group(level, 'Information sharing', '', sh
			? facts([
				['Consent', label('consent', sh.consent)],
				['Why', sh.consent_reason],
				['Lawful basis', sh.lawful_basis],
				['Shared with', sh.shared_with && sh.shared_with.length ? sh.shared_with.join(', ') : 'Nobody'],
				['Reason for the decision', sh.reason]
			])
			: el('p', { class: 'missing' }, 'No sharing decision recorded.')));
		var actions = ns && ns.actions && ns.actions.length
			? el('table', { class: 'actions' },
				el('caption', { class: 'visually-hidden' }, 'Actions'),
				el('thead', null, el('tr', null,
					el('th', { scope: 'col' }, 'Action'), el('th', { scope: 'col' }, 'Owner'),
					el('th', { scope: 'col' }, 'Due'))),
				el('tbody', null, ns.actions.map(function (a) {
					return el('tr', null, el('td', null, a.what), el('td', null, a.owner),
						el('td', null, typeof a.due === 'number' ? timeEl(a.due) : el('span', { class: 'muted' }, 'no date')));
				})))
			: null;
		out.push(group(level, 'Next steps', '',
			ns ? facts([['What the child was told', ns.told_child]]) : null,
			actions,
			!ns ? el('p', { class: 'missing' }, 'No next steps recorded.') : null));
		out.push(group(level, 'Details', 'details',
			facts([
				['Context', label('context', n.context)],
				['Incident reference', n.incident_ref],
				['Occurred', timeEl(n.occurred_at)],
				['Written', timeEl(n.created_at)],
				['Location', n.location],
				['Child reference', n.child_ref],
				['Note id', n.id],
				['Date of birth', n.child_dob],
				['Age band', n.age_band ? label('age_band', n.age_band) : null],
				['Author', [n.author, n.agency ? ' (' + n.agency + ')' : '', ', team ', n.team].join('')],
				['Device', n.device_id],
				['Guidance open while writing', n.guidance_seen && n.guidance_seen.length
					? n.guidance_seen.map(function (g) { return g.id + ' v' + g.version; }).join(', ') : null]
			])));
		return out;
	}

	function reviewItem(rv) {
		var head = [label('decision', rv.decision), ' by ', rv.by, ' on ', timeEl(rv.at),
			' (revision ' + rv.revision + ')'];
		var esc = rv.decision === 'escalated' && (rv.target || rv.stage)
			? el('p', null, 'To ' + (rv.target ? label('target', rv.target) : 'an unnamed target') +
				(rv.stage ? ', stage ' + rv.stage : ''))
			: null;
		return el('li', { class: 'review dec-' + (LABELS.decision[rv.decision] ? rv.decision : 'other') },
			el('p', { class: 'review-head' }, head),
			esc,
			rv.comment ? el('blockquote', { class: 'comment' }, rv.comment) : null);
	}

	function renderNote(v) {
		var revs = (v.revisions || []).slice().sort(function (a, b) { return b.note.revision - a.note.revision; });
		var latest = revs.filter(function (r) { return r.note.revision === v.latest; })[0] || revs[0];
		$('note-h').textContent = 'Note for child ' + v.child_ref;
		var sum = $('note-summary');
		clear(sum);
		var n = latest ? latest.note : {};
		sum.appendChild(el('div', { class: 'summary-bar' },
			statusBadge(v.status),
			el('span', null, label('context', n.context)),
			el('span', null, 'by ', v.author, ', team ', v.team),
			el('span', null, 'revision ' + v.latest + ' of ' + revs.length),
			latest ? el('span', null, 'received ', timeEl(latest.received_at)) : null,
			typeof v.review_due === 'number' && v.status === 'submitted'
				? el('span', { class: now() > v.review_due ? 'overdue-text' : null },
					now() > v.review_due ? 'review overdue by ' + duration(now() - v.review_due)
						: 'review due in ' + duration(v.review_due - now()))
				: null));
		if (v.flags && v.flags.length)
			sum.appendChild(el('div', { class: 'summary-flags' }, el('span', { class: 'muted' }, 'Flags: '), flagList(v.flags)));

		var body = $('note-body');
		clear(body);
		/* What was asked last time comes first: an amendment answers it. */
		var reviews = v.reviews || [];
		body.appendChild(reviews.length
			? el('section', { class: 'reviews', 'aria-labelledby': 'reviews-h' },
				el('h2', { id: 'reviews-h' }, 'Previous reviews'),
				el('ol', { class: 'review-list' }, reviews.map(reviewItem)))
			: el('p', { class: 'muted no-reviews' }, 'No previous reviews of this note.'));
		if (latest) {
			body.appendChild(el('section', { class: 'revision latest', 'aria-labelledby': 'rev-latest-h' },
				el('h2', { id: 'rev-latest-h' }, 'Latest revision (' + latest.note.revision + ')'),
				noteFields(latest.note, 3)));
		}
		var older = revs.filter(function (r) { return r !== latest; });
		if (older.length) {
			body.appendChild(el('section', { class: 'older', 'aria-labelledby': 'older-h' },
				el('h2', { id: 'older-h' }, 'Earlier revisions'),
				older.map(function (r) {
					return el('details', { class: 'revision' },
						el('summary', null, 'Revision ' + r.note.revision + ', received ', timeEl(r.received_at)),
						noteFields(r.note, 4));
				})));
		}

		// Decision form, reset for this note.
		$('decide-form').reset();
		hideError($('decide-error'));
		$('decide-rev').textContent = String(v.latest);
		decisionChanged();
		var done = decided(v);
		$('decide-h').textContent = done ? 'Decided: ' + label('status', v.status) : 'Your decision';
		Array.prototype.forEach.call($('decide-form').elements, function (e) { e.disabled = done; });
	}

	/* An escalated note may still be accepted or returned; the server
	 * refuses a second decision on an accepted or returned revision. */
	function decided(v) { return !!v && (v.status === 'accepted' || v.status === 'returned'); }

	function decision() {
		var r = $('decide-form').querySelector('input[name="decision"]:checked');
		return r ? r.value : '';
	}
	function decisionChanged() {
		var d = decision();
		$('escalate-fields').hidden = d !== 'escalated';
		$('comment-need').textContent = d === 'returned' ? '(required)' : '(optional)';
		$('d-comment').required = d === 'returned';
		$('d-target').required = $('d-stage').required = d === 'escalated';
	}

	function fieldInput(field) {
		return { comment: $('d-comment'), target: $('d-target'), stage: $('d-stage'),
			decision: $('d-accepted') }[field] || null;
	}
	function decideError(text, field) {
		var box = $('decide-error');
		showError(box, text, !field);
		['d-comment', 'd-target', 'd-stage'].forEach(function (id) { $(id).removeAttribute('aria-invalid'); });
		var input = field && fieldInput(field);
		if (input) {
			if (input.type !== 'radio') input.setAttribute('aria-invalid', 'true');
			input.focus();
		}
	}

	function decide(ev) {
		ev.preventDefault();
		if (S.busy || !S.note) return;
		hideError($('decide-error'));
		var d = decision(), comment = $('d-comment').value.trim();
		if (!d) return decideError('Choose a decision: accept, return or escalate.', 'decision');
		if (d === 'returned' && !comment)
			return decideError('Say what the author should add or correct before returning the note.', 'comment');
		var body = { revision: S.note.latest, decision: d };
		if (comment) body.comment = comment;
		if (d === 'escalated') {
			if (!$('d-target').value) return decideError('Choose who to escalate to.', 'target');
			if (!$('d-stage').value) return decideError('Choose the escalation stage.', 'stage');
			body.target = $('d-target').value;
			body.stage = parseInt($('d-stage').value, 10);
		}
		var note = S.note, btn = $('decide-submit');
		S.busy = true;
		btn.disabled = true;
		api('POST', '/v1/notes/' + encodeURIComponent(note.id) + '/review', body).then(function () {
			var what = d === 'accepted' ? 'accepted' : d === 'returned'
				? 'returned to ' + note.author + ' for amendment' : 'escalated';
			return backToQueue(true).then(function () {
				say('The note for child ' + note.child_ref + ' was ' + what + '.');
			});
		}, function (e) {
			if (e.status === 401) return;
			if (e.status === 409) {
				return openNote(note.id).then(function () {
					var st = S.note && S.note.status;
					decideError(sentence(e.message) + (st === 'accepted' || st === 'returned'
						? ' The note has been reloaded and shows that decision.'
						: ' The note has been reloaded: check the latest revision and decide again.'));
				});
			}
			decideError(sentence(e.message), e.field);
		}).then(function () {
			S.busy = false;
			btn.disabled = decided(S.note);
		});
	}

	/* ------------------------------------------------------------ start --- */

	function init() {
		$('signin-form').addEventListener('submit', signIn);
		$('signout').addEventListener('click', signOut);
		$('filters').addEventListener('submit', applyFilters);
		$('refresh').addEventListener('click', function () {
			loadQueue(true).then(function (n) { if (n >= 0) say('Queue refreshed.'); });
		});
		$('more').addEventListener('click', function () {
			var before = S.shown;
			loadQueue(false).then(function (n) {
				if (n > 0) {
					var btn = $('queue-body').querySelectorAll('button[data-note]')[before];
					if (btn) btn.focus();
					say(plural(n, 'more note') + ' shown.');
				}
			});
		});
		$('back').addEventListener('click', function () { backToQueue(false); });
		$('decide-form').addEventListener('submit', decide);
		$('decide-form').addEventListener('change', function (e) {
			if (e.target.name === 'decision') decisionChanged();
		});
		/* A field the user has started fixing is no longer marked wrong. */
		$('decide-form').addEventListener('input', function (e) {
			if (e.target.getAttribute('aria-invalid')) e.target.removeAttribute('aria-invalid');
		});
		if (loadSession()) {
			startQueue();
		} else {
			showView('signin');
			$('username').focus();
		}
	}

	if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
	else init();
})();
