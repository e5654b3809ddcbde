/* explain.js - each flag in words: why the server raised it on this note and
 * what the supervisor should do, from the note, its review deadline and the
 * child's contacts. The server's thresholds are not known to the page, so
 * every figure shown is one read from the data (dates, days, hours), never a
 * copy of a setting that could drift. */
(function () {
	'use strict';

	var FN = window.FN, el = FN.el, label = FN.label, plural = FN.plural;
	var DAY = 86400;

	function list(words) {
		if (words.length < 2) return words.join('');
		return words.slice(0, -1).join(', ') + ' and ' + words[words.length - 1];
	}

	/* What makes the server give a note the shorter review deadline (rules.c
	 * shows_risk): s136 use, self-harm, a referral. */
	FN.riskReasons = function (n) {
		var mh = (n && n.mental_health) || {}, ref = n && n.referral, out = [];
		if (mh.s136_used) out.push('s136 use');
		if (mh.self_harm) out.push('self-harm');
		if (ref && ref.type && ref.type !== 'none') out.push('a ' + label('referral_type', ref.type) + ' referral');
		return out;
	};

	/* "Review due within 24 hours because the note records s136 use". The
	 * hours are read from the note's own deadline and arrival. */
	FN.deadlineText = function (v, latest) {
		var due = v.review_due, got = latest && latest.received_at;
		if (typeof due !== 'number') return '';
		var reasons = FN.riskReasons(latest && latest.note);
		if (typeof got !== 'number' || due < got)
			return 'Review due by ' + FN.dateText(due);
		var hours = Math.round((due - got) / 3600);
		return 'Review due within ' + plural(hours, 'hour') + (reasons.length
			? ' because the note records ' + list(reasons)
			: ' of arrival: the note records no s136 use, self-harm or referral');
	};

	/* The contacts behind a met MASH threshold, oldest first:
	 * "2 contacts in 150 days: 3 Jul 2026, 30 Nov 2026". */
	FN.mashDates = function (contacts) {
		var d = ((contacts && contacts.mash_dates) || []).map(Number).filter(isFinite)
			.sort(function (a, b) { return a - b; });
		return d;
	};
	FN.mashDatesText = function (contacts) {
		var d = FN.mashDates(contacts);
		if (!d.length) return '';
		var days = Math.round((d[d.length - 1] - d[0]) / DAY);
		return plural(d.length, 'contact') + (days > 0 ? ' in ' + plural(days, 'day') : ' on one day') + ': ' +
			d.map(FN.dayText).join(', ');
	};

	function referralSince(n) {
		var r = n.referral;
		return typeof r.sent_at === 'number' ? r.sent_at : n.occurred_at;
	}

	/* flag -> function (ctx) returning [why, what to do]. ctx: v (the note
	 * view), n (latest revision's note), latest (that revision), contacts
	 * (the contacts page, or null when it could not be read). */
	var EXPLAIN = {
		escalation_overdue: function (c) {
			var e = (c.v.escalations || []).filter(function (x) { return x.state === 'open'; })[0];
			return [e ? 'The escalation of this note has been at stage ' + e.stage + ' (with ' +
				FN.label('escalation_body', e.target) + ', held by ' + e.holder + ') past its deadline, ' +
				FN.dateText(e.due) + '.'
				: 'The escalation of this note is past its stage\u2019s deadline.',
				'Chase the holder, advance the escalation to the next stage, or resolve it.'];
		},
		review_overdue: function (c) {
			var due = c.v.review_due;
			return [FN.deadlineText(c.v, c.latest) + ', and it is overdue by ' +
				FN.duration(FN.now() - due) + ' (it was due ' + FN.dateText(due) + ').',
				'Decide now: accept it, return it with a comment, or escalate it.'];
		},
		mash_enquiry_due: function (c) {
			var dates = FN.mashDatesText(c.contacts);
			return [dates
				? dates + '. That many contacts in that time meets the threshold for a MASH enquiry.'
				: 'This child has had enough recent contacts to meet the threshold for a MASH enquiry' +
					(c.contacts ? '.' : ' (the contacts could not be read: see below).'),
				'Make a MASH enquiry about this child, or escalate the note to MASH, and make sure it is recorded. ' +
				'The contacts are listed under \u201cThis child\u2019s contacts\u201d.'];
		},
		seen_alone_unknown: function () {
			return ['The note does not say whether the child was seen alone, so it cannot show that the child ' +
				'could speak freely.',
				'Return the note and ask the author to record whether the child was seen alone and, if not, why not.'];
		},
		no_sharing_decision: function () {
			return ['No information-sharing decision is recorded: no consent answer, lawful basis or list of ' +
				'who was told.',
				'Return the note so the author records what was shared, with whom and why, or why nothing was.'];
		},
		no_next_steps: function () {
			return ['No next steps are recorded: nothing about what the child was told and no actions with ' +
				'an owner.',
				'Return the note so the author adds what happens next, who does it and by when.'];
		},
		s136_consultation_missing: function (c) {
			var mh = c.n.mental_health || {};
			return ['Section 136 was used, but the note does not record that a health professional was ' +
				'consulted first (answer given: ' + (mh.consulted ? label('consulted', mh.consulted) : 'none') +
				') nor say with whom or why not.',
				'Find out who was consulted before the child was detained, or why it was not practicable; ' +
				'return the note for it to be recorded, or escalate.'];
		},
		referral_unacknowledged: function (c) {
			var r = c.v.referral || {};
			var agency = r.agency ? r.agency.replace(/_/g, ' ') : 'the receiving agency';
			return ['The referral reached ' + agency + ' but it has not acknowledged it' +
				(r.ack_due ? ' (due ' + FN.dayText(r.ack_due) + ')' : '') + '.',
				'Contact ' + agency + ' to make sure the referral was received.'];
		},
		referral_without_outcome: function (c) {
			var r = c.n.referral || {}, since = referralSince(c.n);
			var kind = r.type ? label('referral_type', r.type) : 'A';
			var days = Math.floor((FN.now() - since) / DAY);
			return ['A ' + kind + ' referral was sent ' + plural(days, 'day') + ' ago (' + FN.dayText(since) +
				(r.reference ? ', reference ' + r.reference : '') + ') and no outcome is recorded.',
				'Chase ' + (r.type && r.type !== 'other' ? 'the ' + kind + ' team' : 'the receiving team') +
				' for the outcome and ask the author to record it.'];
		}
	};

	/* The "Flags explained" section of the note view, or null. */
	FN.flagsExplained = function (v, latest, contacts) {
		/* A deadline or a risk to the child first, then gaps in the record. */
		var flags = (v.flags || []).filter(function (f) { return FN.URGENT_FLAGS[f]; })
			.concat((v.flags || []).filter(function (f) { return !FN.URGENT_FLAGS[f]; }));
		if (!flags.length) return null;
		var ctx = { v: v, latest: latest, n: (latest && latest.note) || {}, contacts: contacts };
		return el('section', { id: 'note-flags', class: 'flags-explained', 'aria-labelledby': 'flags-h' },
			el('h2', { id: 'flags-h' }, 'Flags explained'),
			el('ul', { class: 'flag-list' }, flags.map(function (f) {
				var t = EXPLAIN[f] ? EXPLAIN[f](ctx)
					: ['The server raised this flag (' + f + '); this page has no explanation for it yet.',
						'Read the note with the flag in mind.'];
				return el('li', { class: 'flag' + (FN.URGENT_FLAGS[f] ? ' urgent' : ''), 'data-flag': f },
					el('p', { class: 'flag-label' }, label('flag', f)),
					el('p', { class: 'flag-why' }, t[0]),
					el('p', { class: 'flag-todo' }, el('strong', null, 'What to do: '), t[1]));
			})));
	};
})();
