/* review.js - the supervisor's review page: signing in and out, which view
 * shows, opening a note, and wiring the page's controls. Loaded last; the
 * parts it wires live in common, explain, child, note and queue.js (see the
 * safety rule in common.js). */
(function () {
	'use strict';

	var FN = window.FN, $ = FN.$, S = FN.S;
	var DEVICE_ID = 'web-review';
	var STORE_KEY = 'fieldnote.review.session';

	/* ---------------------------------------------------------- session --- */

	function saveSession() {
		try {
			sessionStorage.setItem(STORE_KEY, JSON.stringify({ token: S.token, expires_at: S.expires, user: S.user }));
		} catch (e) { /* storage refused: the session lives in memory only */ }
	}
	function loadSession() {
		try {
			var s = JSON.parse(sessionStorage.getItem(STORE_KEY) || 'null');
			if (s && typeof s.token === 'string' && s.user && s.expires_at > FN.now()) {
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

	/* When the session ends, nothing read while signed in stays in the page,
	 * shown or hidden: a shared screen shows only the sign-in form. */
	function forgetPage() {
		forgetSession();
		FN.resetState();
		['queue-body', 'note-summary', 'note-body', 'child-results'].forEach(function (id) { FN.clear($(id)); });
		FN.clearChild();
		$('queue-summary').textContent = '';
		$('queue-empty').hidden = true;
		$('more').hidden = true;
		$('note-h').textContent = 'Note';
		$('decide-h').textContent = 'Your decision';
		$('decide-rev').textContent = '';
		$('decide-form').reset();
		FN.decisionChanged();
		$('filters').reset();
		var team = $('f-team');
		while (team.options.length > 1) team.remove(1);
		$('child-search').reset();
		$('signin-form').reset();
		FN.hideError($('decide-error'));
		FN.hideError();
		FN.hideError($('signin-error'));
		FN.clearStatus();
		showView('signin');
	}

	FN.onSessionEnded = function (msg) {
		forgetPage();
		FN.showError($('signin-error'), 'Your session has ended. ' + FN.sentence(msg || 'Sign in again'), false);
		$('username').focus();
	};

	function signIn(ev) {
		ev.preventDefault();
		var box = $('signin-error');
		FN.hideError(box);
		var u = $('username').value.trim(), p = $('password').value;
		if (!u || !p) {
			FN.showError(box, !u ? 'Enter your username.' : 'Enter your password.', false);
			(!u ? $('username') : $('password')).focus();
			return;
		}
		var btn = $('signin-button');
		btn.disabled = true;
		FN.api('POST', '/v1/session', { username: u, password: p, device_id: DEVICE_ID }).then(function (r) {
			$('password').value = '';
			S.token = r.token; S.user = r.user; S.expires = r.expires_at;
			if (!r.user || r.user.role !== 'supervisor') {
				var role = r.user && r.user.role ? r.user.role : 'unknown';
				FN.api('DELETE', '/v1/session').catch(function () {});
				forgetSession();
				FN.showError(box, 'This page is for supervisors; ' + u + ' signs in as ' +
					(/^[aeiou]/.test(role) ? 'an ' : 'a ') + role + '.', true);
				return;
			}
			saveSession();
			FN.startQueue();
			FN.say('Signed in as ' + r.user.username + '.');
		}, function (e) {
			FN.showError(box, FN.sentence(e.message), false);
			$('password').select();
		}).then(function () { btn.disabled = false; });
	}

	function signOut() {
		var had = S.token;
		var done = function () {
			forgetPage();
			FN.say('Signed out.');
			$('username').focus();
		};
		if (!had) return done();
		FN.api('DELETE', '/v1/session').then(done, done);
	}

	/* ------------------------------------------------------------ views --- */

	function showView(name) {
		$('signin-view').hidden = name !== 'signin';
		$('queue-view').hidden = name !== 'queue';
		$('note-view').hidden = name !== 'note';
		var signedIn = name !== 'signin' && S.user;
		$('who').hidden = !signedIn;
		$('who-name').textContent = signedIn
			? S.user.username + ' \u00b7 ' + (S.user.teams || []).join(', ') : '';
		document.title = (name === 'note' ? 'Note' : name === 'queue' ? 'Review queue' : 'Sign in') +
			' \u00b7 fieldnote';
	}
	FN.showView = showView;

	/* The note, then its child's contacts (the reference is in the note); a
	 * note whose contacts cannot be read still opens, and says so. */
	FN.openNote = function (id) {
		FN.hideError();
		FN.clearStatus();
		S.openedId = id;
		$('note-view').setAttribute('aria-busy', 'true');
		return FN.api('GET', '/v1/notes/' + encodeURIComponent(id)).then(function (view) {
			return FN.fetchContacts(view.child_ref).then(null, function (e) {
				if (e.status === 401) throw e;
				return { error: e };
			}).then(function (contacts) {
				S.note = view;
				S.contacts = contacts;
				FN.renderNote(view, contacts);
				showView('note');
				window.scrollTo(0, 0);
				$('note-h').focus();
			});
		}, function (e) {
			if (e.status !== 401) FN.showError(null, 'The note could not be opened: ' + FN.sentence(e.message), true);
		}).then(function () { $('note-view').removeAttribute('aria-busy'); });
	};

	/* Back to the queue, or to the child's notes if the note was opened
	 * from a search; focus returns to the note's button there. */
	FN.backToQueue = function (reload) {
		FN.hideError();
		FN.clearStatus();
		showView('queue');
		var p = reload ? FN.loadQueue(true) : Promise.resolve(0);
		if (reload) FN.clearChild();
		return p.then(function () {
			var target = null;
			if (!reload) {
				var btns = $(S.child ? 'child-results' : 'queue-body').querySelectorAll('button[data-note]');
				for (var i = 0; i < btns.length; i++) if (btns[i].noteId === S.openedId) target = btns[i];
			}
			(target || $(S.child ? 'child-h' : 'queue-h')).focus();
		});
	};

	/* On a phone the decision is below the whole note: the jump link (kept
	 * on screen by review.css) takes the supervisor straight to it. */
	function jumpToDecision(ev) {
		ev.preventDefault();
		var h = $('decide-h');
		h.scrollIntoView({ block: 'start' });
		h.focus({ preventScroll: true });
	}

	/* ------------------------------------------------------------ start --- */

	function init() {
		$('signin-form').addEventListener('submit', signIn);
		$('signout').addEventListener('click', signOut);
		$('filters').addEventListener('submit', FN.applyFilters);
		$('child-search').addEventListener('submit', FN.searchChild);
		$('refresh').addEventListener('click', function () {
			FN.clearChild();
			FN.loadQueue(true).then(function (n) { if (n >= 0) FN.say('Queue refreshed.'); });
		});
		$('more').addEventListener('click', FN.moreNotes);
		$('back').addEventListener('click', function () { FN.backToQueue(false); });
		$('jump').addEventListener('click', jumpToDecision);
		$('decide-form').addEventListener('submit', FN.decide);
		$('decide-form').addEventListener('change', function (e) {
			if (e.target.name === 'decision') FN.decisionChanged();
		});
		/* A field the user has started fixing is no longer marked wrong. */
		$('decide-form').addEventListener('input', function (e) {
			if (e.target.getAttribute('aria-invalid')) e.target.removeAttribute('aria-invalid');
		});
		/* On a phone the filters would push the first note a screen down. */
		if (window.matchMedia && window.matchMedia('(max-width: 48rem)').matches) $('filter-box').open = false;
		if (loadSession()) {
			FN.startQueue();
		} else {
			showView('signin');
			$('username').focus();
		}
	}

	if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
	else init();
})();
