/* queue.js - the review queue: filters, pages of notes, one child's notes
 * kept together. A table on wide screens; review.css lays each row out as a
 * card on narrow ones (each cell carries its column name in data-label). */
(function () {
	'use strict';

	var FN = window.FN, el = FN.el, $ = FN.$, label = FN.label, S = FN.S;
	var PAGE = 50;

	FN.startQueue = function () {
		var team = $('f-team');
		while (team.options.length > 1) team.remove(1);
		(S.user.teams || []).forEach(function (t) { team.add(new Option(t, t)); });
		var flag = $('f-flag');
		if (flag.options.length === 1) {
			Object.keys(FN.LABELS.flag).forEach(function (f) { flag.add(new Option(FN.LABELS.flag[f], f)); });
		}
		FN.showView('queue');
		FN.loadQueue(true).then(function () { $('queue-h').focus(); });
	};

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

	/* reset: from the first page; otherwise the next page is added. Resolves
	 * to the number of notes loaded, -1 on failure. */
	FN.loadQueue = function (reset) {
		if (reset) S.next = null;
		FN.hideError();
		var more = $('more');
		more.disabled = true;
		$('queue').setAttribute('aria-busy', 'true');
		return FN.api('GET', queuePath()).then(function (page) {
			if (reset) S.items = [];
			var items = (page && page.items) || [];
			S.items = S.items.concat(items);
			S.shown = S.items.length;
			render();
			S.next = page && page.more && page.next ? page.next : null;
			more.hidden = !S.next;
			$('queue-empty').hidden = S.shown > 0;
			$('queue').hidden = S.shown === 0;
			$('queue-summary').textContent = S.shown === 0 ? '' :
				FN.plural(S.shown, 'note') + ' shown' + (S.next ? '; more are waiting.' : '.');
			S.lastPage = items;
			return items.length;
		}, function (e) {
			if (e.status !== 401) FN.showError(null, 'The queue could not be loaded: ' + FN.sentence(e.message), true);
			return -1;
		}).then(function (n) {
			more.disabled = false;
			$('queue').removeAttribute('aria-busy');
			return n;
		});
	};

	/* Server order (overdue first, then oldest first), except that a
	 * child's later notes follow that child's first one. */
	function render() {
		var groups = {}, order = [];
		S.items.forEach(function (it) {
			if (!groups[it.child_ref]) { groups[it.child_ref] = []; order.push(it.child_ref); }
			groups[it.child_ref].push(it);
		});
		var body = $('queue-body');
		FN.clear(body);
		order.forEach(function (ref) {
			var g = groups[ref];
			g.forEach(function (it, i) { body.appendChild(queueRow(it, i, g.length)); });
		});
	}

	function dueText(it) {
		/* The server says what is overdue (only notes still awaiting review). */
		var now = FN.now();
		return it.overdue
			? el('strong', { class: 'overdue-text' }, 'Overdue by ' + FN.duration(now - it.due))
			: it.due > now ? el('span', null, 'in ' + FN.duration(it.due - now))
				: el('span', { class: 'muted' }, 'was due ' + FN.dateText(it.due));
	}

	function queueRow(it, index, size) {
		var open = el('button', { type: 'button', class: 'link', 'data-note': '' },
			el('span', { class: 'visually-hidden' }, 'Open note for child '), it.child_ref);
		open.addEventListener('click', function () { FN.openNote(it.id); });
		open.noteId = it.id;
		var grouped = size > 1
			? el('span', { class: 'group-note' }, index === 0 ? FN.plural(size, 'note') + ' for this child'
				: 'same child, note ' + (index + 1) + ' of ' + size)
			: null;
		return el('tr', { class: [it.overdue ? 'overdue' : '', index > 0 ? 'same-child' : ''].join(' ').trim() || null },
			el('th', { scope: 'row' }, open, grouped),
			el('td', { 'data-label': 'Context' }, label('context', it.context) || el('span', { class: 'muted' }, 'not given')),
			el('td', { 'data-label': 'Author' }, it.author, el('span', { class: 'muted team' }, 'team ' + it.team)),
			el('td', { class: 'when', 'data-label': 'Occurred' }, FN.timeEl(it.occurred_at)),
			el('td', { class: 'when', 'data-label': 'Waiting' }, FN.timeEl(it.waiting_since, FN.duration(it.age))),
			el('td', { class: 'when', 'data-label': 'Review due' },
				el('time', { datetime: new Date(it.due * 1000).toISOString(), title: FN.dateText(it.due) }, dueText(it))),
			el('td', { 'data-label': 'Status' }, FN.statusBadge(it.status),
				it.latest > 1 ? el('span', { class: 'muted rev' }, ' revision ' + it.latest) : null),
			el('td', { class: 'flags', 'data-label': 'Flags' }, FN.flagList(it.flags)));
	}

	FN.applyFilters = function (ev) {
		ev.preventDefault();
		S.filters = { status: $('f-status').value, team: $('f-team').value, flag: $('f-flag').value,
			overdue: $('f-overdue').checked };
		FN.clearChild();
		FN.loadQueue(true).then(function (n) {
			if (n >= 0) FN.say(S.shown ? FN.plural(S.shown, 'note') + ' match.' : 'No notes match.');
		});
	};

	/* The next page; focus goes to its first note wherever grouping put it. */
	FN.moreNotes = function () {
		FN.loadQueue(false).then(function (n) {
			if (n > 0) {
				var first = S.lastPage[0].id;
				var btns = $('queue-body').querySelectorAll('button[data-note]');
				for (var i = 0; i < btns.length; i++) if (btns[i].noteId === first) btns[i].focus();
				FN.say(FN.plural(n, 'more note') + ' shown.');
			}
		});
	};
})();
