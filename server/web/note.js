/* note.js - one note on screen: the flags explained, the child's contacts,
 * earlier reviews, every revision's fields, and the decision form. */
(function () {
	'use strict';

	var FN = window.FN, el = FN.el, $ = FN.$, label = FN.label, timeEl = FN.timeEl, S = FN.S;
	var LABELS = FN.LABELS;

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

	/* One next-step action; one past its due date says so in words too. */
	function actionRow(a) {
		var late = typeof a.due === 'number' && a.due < FN.now();
		return el('tr', { class: late ? 'past-due' : null },
			el('td', null, a.what), el('td', null, a.owner),
			el('td', null, typeof a.due === 'number' ? timeEl(a.due) : el('span', { class: 'muted' }, 'no date'),
				late ? el('strong', { class: 'overdue-text late' }, 'Overdue by ' + FN.duration(FN.now() - a.due)) : null));
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
				el('tbody', null, ns.actions.map(actionRow)))
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

	/* An escalation: where it is, who holds it, by when, and how it got there. */
	function escalationItem(e) {
		var state = e.state === 'resolved'
			? 'Resolved by ' + e.resolved_by + ': ' + e.resolution
			: 'Stage ' + e.stage + ' of 3, with ' + label('escalation_body', e.target) + ', held by ' + e.holder;
		return el('li', { class: 'escalation' + (e.overdue ? ' overdue-text' : '') },
			el('p', { class: 'review-head' }, state),
			e.state === 'open' ? el('p', null, e.overdue ? 'Overdue since ' : 'Due ', timeEl(e.due)) : null,
			el('ol', { class: 'muted' }, (e.history || []).map(function (s) {
				return el('li', null, 'Stage ' + s.stage + ' to ' + s.holder + ' by ' + s.by + ' on ', timeEl(s.at),
					s.reason ? ': ' + s.reason : '');
			})));
	}

	function summaryBar(v, latest, revs) {
		var n = latest ? latest.note : {};
		var due = typeof v.review_due === 'number' && v.status === 'submitted' ? v.review_due : null;
		var late = due !== null && FN.now() > due;
		return el('div', { class: 'summary-bar' },
			FN.statusBadge(v.status),
			el('span', null, label('context', n.context)),
			el('span', null, 'by ', v.author, ', team ', v.team),
			el('span', null, 'revision ' + v.latest + ' of ' + revs.length),
			latest ? el('span', null, 'received ', timeEl(latest.received_at)) : null,
			due !== null ? el('span', { class: late ? 'overdue-text' : null },
				late ? 'review overdue by ' + FN.duration(FN.now() - due)
					: 'review due in ' + FN.duration(due - FN.now()),
				FN.riskReasons(latest && latest.note).length ? el('span', { class: 'muted deadline-why' },
					' (' + FN.deadlineText(v, latest).replace(/^Review due/, 'due') + ')') : null)
				: null);
	}

	/* Attachments (issue 16): images are fetched with the session's token
	 * (an <img src> could not send it) and shown from blob: URLs, the only
	 * images the page's CSP allows besides its own; a missing one says
	 * "attachment pending". Blob URLs are revoked with the next note. */
	var blobUrls = [];
	function attachmentBlob(noteId, a) {
		var headers = { Authorization: 'Bearer ' + FN.S.token };
		return fetch('/v1/notes/' + encodeURIComponent(noteId) + '/attachments/' + encodeURIComponent(a.id),
			{ headers: headers, cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer',
				redirect: 'error' }).then(function (res) {
			if (!res.ok) throw new Error('The server answered ' + res.status + '.');
			return res.blob();
		}).then(function (b) {
			var url = URL.createObjectURL(b);
			blobUrls.push(url);
			return url;
		});
	}
	function attachmentItem(v, a) {
		var label = a.caption || (a.media_type === 'application/pdf' ? 'PDF document' : 'Image');
		if (a.pending)
			return el('li', { class: 'attachment pending' }, label + ': attachment pending (not yet uploaded)');
		var li = el('li', { class: 'attachment' }, el('span', { class: 'muted' }, label + ' (loading)'));
		attachmentBlob(v.id, a).then(function (url) {
			FN.clear(li);
			if (a.media_type === 'application/pdf')
				li.appendChild(el('a', { href: url, download: a.id + '.pdf' }, label + ' (PDF, ' + a.stored_size + ' bytes)'));
			else
				li.appendChild(el('figure', null, el('img', { src: url, alt: label, class: 'attachment-img' }),
					el('figcaption', null, label)));
		}, function (e) {
			FN.clear(li);
			li.appendChild(el('span', { class: 'error' }, label + ': cannot be shown. ' + e.message));
		});
		return li;
	}
	function attachmentsPanel(v) {
		blobUrls.forEach(function (u) { URL.revokeObjectURL(u); });
		blobUrls = [];
		return el('section', { class: 'attachments', 'aria-labelledby': 'att-h' },
			el('h2', { id: 'att-h' }, 'Attachments' + (v.attachment_pending ? ' (attachment pending)' : '')),
			el('ul', { class: 'attachment-list' }, v.attachments.map(function (a) { return attachmentItem(v, a); })));
	}

	/* v: GET /v1/notes/{id}; contacts: the child's contacts page, or
	 * {error} when it could not be read. */
	FN.renderNote = function (v, contacts) {
		var revs = (v.revisions || []).slice().sort(function (a, b) { return b.note.revision - a.note.revision; });
		var latest = revs.filter(function (r) { return r.note.revision === v.latest; })[0] || revs[0];
		var h = $('note-h');
		FN.clear(h);
		h.appendChild(el('span', null, 'Note for child ', el('span', { class: 'ref' }, v.child_ref)));
		var sum = $('note-summary');
		FN.clear(sum);
		sum.appendChild(summaryBar(v, latest, revs));

		var body = $('note-body');
		FN.clear(body);
		/* Why the note needs attention, then the child's history: both are
		 * read before the note itself. */
		var flags = FN.flagsExplained(v, latest, contacts && !contacts.error ? contacts : null);
		if (flags) body.appendChild(flags);
		body.appendChild(FN.contactsPanel(v, latest, contacts));
		/* What was asked last time comes next: an amendment answers it. */
		var reviews = v.reviews || [];
		body.appendChild(reviews.length
			? el('section', { class: 'reviews', 'aria-labelledby': 'reviews-h' },
				el('h2', { id: 'reviews-h' }, 'Previous reviews'),
				el('ol', { class: 'review-list' }, reviews.map(reviewItem)))
			: el('p', { class: 'muted no-reviews' }, 'No previous reviews of this note.'));
		if (v.escalations && v.escalations.length) {
			body.appendChild(el('section', { class: 'escalations', 'aria-labelledby': 'esc-h' },
				el('h2', { id: 'esc-h' }, 'Escalations'),
				el('ol', { class: 'escalation-list' }, v.escalations.map(escalationItem))));
		}
		if (latest) {
			body.appendChild(el('section', { class: 'revision latest', 'aria-labelledby': 'rev-latest-h' },
				el('h2', { id: 'rev-latest-h' }, 'Latest revision (' + latest.note.revision + ')'),
				noteFields(latest.note, 3)));
		}
		if (v.attachments && v.attachments.length) body.appendChild(attachmentsPanel(v));
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
		resetDecision(v);
	};

	/* The decision form, emptied for this note. */
	function resetDecision(v) {
		$('decide-form').reset();
		FN.hideError($('decide-error'));
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
		FN.showError(box, text, !field);
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
		FN.hideError($('decide-error'));
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
		FN.api('POST', '/v1/notes/' + encodeURIComponent(note.id) + '/review', body).then(function () {
			var what = d === 'accepted' ? 'accepted' : d === 'returned'
				? 'returned to ' + note.author + ' for amendment' : 'escalated';
			return FN.backToQueue(true).then(function () {
				FN.say('The note for child ' + note.child_ref + ' was ' + what + '.');
			});
		}, function (e) {
			if (e.status === 401) return;
			if (e.status === 409) {
				return FN.openNote(note.id).then(function () {
					var st = S.note && S.note.status;
					decideError(FN.sentence(e.message) + (st === 'accepted' || st === 'returned'
						? ' The note has been reloaded and shows that decision.'
						: ' The note has been reloaded: check the latest revision and decide again.'));
				});
			}
			decideError(FN.sentence(e.message), e.field);
		}).then(function () {
			S.busy = false;
			btn.disabled = decided(S.note);
		});
	}


	FN.decide = decide;
	FN.decisionChanged = decisionChanged;
})();
