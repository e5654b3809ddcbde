/* child.js - one child's history: the contacts panel of the note view and
 * the queue's search by child reference, both from
 * GET /v1/children/{ref}/contacts (newest first, with the MASH dates). */
(function () {
	'use strict';

	var FN = window.FN, el = FN.el, $ = FN.$, label = FN.label, S = FN.S;

	FN.fetchContacts = function (ref) {
		return FN.api('GET', '/v1/children/' + encodeURIComponent(ref) + '/contacts');
	};

	/* "MASH enquiry due: 2 contacts in 150 days: ..." or why none is due. */
	function mashState(c) {
		var dates = FN.mashDatesText(c);
		if (c.mash_enquiry_due)
			return el('p', { class: 'mash-state due' }, el('strong', null, 'MASH enquiry due: '),
				dates || 'the contacts meet the threshold.');
		return el('p', { class: 'mash-state' }, 'No MASH enquiry due: ' +
			FN.plural(c.contacts.length, 'contact') + ' you may see on record, not enough in the time that counts.');
	}

	/* One contact. open(id) makes its "Open" button; currentId marks the
	 * note on screen instead. */
	function contactItem(ct, counted, currentId, open) {
		var here = ct.id === currentId;
		var btn = null;
		if (!here && open) {
			btn = el('button', { type: 'button', class: 'link', 'data-note': '' },
				'Open', el('span', { class: 'visually-hidden' }, ' the note of ' + FN.dayText(ct.occurred_at)));
			btn.noteId = ct.id;
			btn.addEventListener('click', function () { open(ct.id); });
		}
		return el('li', { class: 'contact' + (counted ? ' counted' : '') + (here ? ' current' : '') },
			el('p', { class: 'contact-head' }, FN.timeEl(ct.occurred_at), ' \u00b7 ',
				ct.context ? label('context', ct.context) : el('span', { class: 'muted' }, 'no context given')),
			el('p', null, 'By ', ct.author, ', team ', ct.team, ' ', FN.statusBadge(ct.status),
				ct.revision > 1 ? el('span', { class: 'muted' }, ' revision ' + ct.revision) : null),
			counted || here || btn ? el('p', { class: 'contact-marks' },
				counted ? el('span', { class: 'mash-date' }, 'counts toward the MASH threshold') : null,
				here ? el('span', { class: 'this-note' }, 'this note') : null,
				btn) : null);
	}

	/* The list of a child's contacts, the counted (MASH) dates marked; dates
	 * counted from contacts this supervisor may not see are listed after. */
	function contactList(c, currentId, open) {
		var left = FN.mashDates(c).map(String);
		var items = c.contacts.map(function (ct) {
			var i = left.indexOf(String(ct.occurred_at));
			if (i >= 0) left.splice(i, 1);
			return contactItem(ct, i >= 0, currentId, open);
		});
		return [
			items.length ? el('ol', { class: 'contact-list' }, items)
				: el('p', { class: 'muted' }, 'No contacts you may see.'),
			left.length ? el('p', { class: 'muted' }, 'Also counted toward the threshold: ' +
				FN.plural(left.length, 'contact') + ' by a team whose notes you cannot see, on ' +
				left.map(Number).map(FN.dayText).join(', ') + '.') : null
		];
	}

	/* Where a referral or an escalation to MASH stands, from the note. */
	function referralState(v, n) {
		var out = [], r = n && n.referral;
		if (r && r.type && r.type !== 'none') {
			var since = typeof r.sent_at === 'number' ? r.sent_at : n.occurred_at;
			out.push(el('li', null, label('referral_type', r.type) + ' referral sent ', FN.timeEl(since),
				r.reference ? ', reference ' + r.reference : '', '; ',
				r.outcome ? ['outcome: ' + r.outcome,
					typeof r.outcome_at === 'number' ? [' (', FN.timeEl(r.outcome_at), ')'] : null]
					: el('span', { class: 'missing' }, 'no outcome recorded after ' +
						FN.duration(FN.now() - since))));
		}
		(v.reviews || []).forEach(function (rv) {
			if (rv.decision === 'escalated' && rv.target === 'mash')
				out.push(el('li', null, 'Escalated to MASH' + (rv.stage ? ' at stage ' + rv.stage : '') +
					' by ' + rv.by + ' on ', FN.timeEl(rv.at)));
		});
		return out.length ? el('ul', { class: 'referral-state' }, out) : null;
	}

	/* The note view's panel. c: the contacts page, or {error} when it could
	 * not be read. */
	FN.contactsPanel = function (v, latest, c) {
		var body;
		if (!c || c.error) {
			body = el('p', { class: 'error-text' }, 'The child\u2019s contacts could not be read: ' +
				FN.sentence(c && c.error ? c.error.message : ''));
		} else {
			body = [mashState(c), contactList(c, v.id, FN.openNote)];
		}
		return el('section', { id: 'contacts', class: 'contacts-panel', 'aria-labelledby': 'contacts-h' },
			el('h2', { id: 'contacts-h' }, 'This child\u2019s contacts'),
			referralState(v, latest && latest.note), body);
	};

	/* ------------------------------------------------ search by child --- */

	function showChild(ref, c) {
		var box = $('child-results');
		FN.clear(box);
		S.child = ref;
		var n = c.contacts.length;
		box.appendChild(el('h2', { id: 'child-h', tabindex: '-1' }, 'Notes for child ' + ref));
		if (!n) {
			box.appendChild(el('p', { class: 'empty' }, 'No notes you may see for child ' + ref + '.'));
		} else {
			var waiting = c.contacts.filter(function (x) { return x.status === 'submitted'; }).length;
			box.appendChild(el('p', { class: 'summary' }, FN.plural(n, 'note') + ', newest first; ' +
				waiting + ' awaiting review.'));
			box.appendChild(mashState(c));
			box.appendChild(el('div', null, contactList(c, null, FN.openNote)));
		}
		box.appendChild(el('p', null, wholeQueueButton()));
		box.hidden = false;
		$('queue-list').hidden = true;
		$('child-h').focus();
	}
	function wholeQueueButton() {
		var b = el('button', { type: 'button', class: 'secondary' }, 'Show the whole queue');
		b.addEventListener('click', function () {
			FN.clearChild();
			FN.loadQueue(true).then(function () { $('queue-h').focus(); });
		});
		return b;
	}
	FN.clearChild = function () {
		S.child = null;
		FN.clear($('child-results'));
		$('child-results').hidden = true;
		$('queue-list').hidden = false;
	};

	/* References are pseudonymous codes, usually upper case: one typed in
	 * lower case is tried as typed, then in upper case. */
	FN.searchChild = function (ev) {
		ev.preventDefault();
		var input = $('child-ref'), ref = input.value.trim();
		FN.hideError();
		if (!ref) {
			FN.showError(null, 'Enter a child reference to search for.', false);
			input.focus();
			return;
		}
		FN.fetchContacts(ref).then(function (c) {
			if (c.contacts.length || ref === ref.toUpperCase()) return [ref, c];
			return FN.fetchContacts(ref.toUpperCase()).then(function (u) {
				return u.contacts.length ? [ref.toUpperCase(), u] : [ref, c];
			});
		}).then(function (r) {
			showChild(r[0], r[1]);
			FN.say(r[1].contacts.length ? FN.plural(r[1].contacts.length, 'note') + ' found for child ' + r[0] + '.'
				: 'No notes found for child ' + r[0] + '.');
		}, function (e) {
			if (e.status !== 401) FN.showError(null, 'The search failed: ' + FN.sentence(e.message), true);
		});
	};
})();
