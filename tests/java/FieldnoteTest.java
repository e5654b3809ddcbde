// FieldnoteTest.java - org.fieldnote.Fieldnote on the host JVM against a real server
// (tests/integration/test_client_java.sh runs it). Prints "PASS name" / "FAIL name: why" per check.
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.fieldnote.CancelToken;
import org.fieldnote.Fieldnote;
import org.fieldnote.FieldnoteException;
import org.fieldnote.SyncProgress;

public final class FieldnoteTest {
	// Beyond U+FFFF: JNI's "modified UTF-8" would mangle it.
	static final String WORDS = "I want to stay with my nan \uD83D\uDE0A, not the shouting";
	static String store, url, ca, user, noteJson;
	static char[] password;
	static int failed;

	interface Check {
		void run() throws Exception;
	}

	static void check(String name, Check c) {
		try {
			c.run();
			System.out.println("PASS " + name);
		} catch (Throwable t) {
			failed++;
			System.out.println("FAIL " + name + " " + t);
		}
	}

	static void expect(boolean ok, String what) {
		if (!ok)
			throw new AssertionError(what);
	}

	static byte[] key(int b) {
		byte[] k = new byte[Fieldnote.KEY_SIZE];
		Arrays.fill(k, (byte) b);
		return k;
	}

	static Fieldnote open(int keyByte) throws FieldnoteException {
		return Fieldnote.open(new Fieldnote.Options(store, key(keyByte)).server(url, ca).retries(3, 20)
			.timeouts(5000, 5000, 20000));
	}

	static FieldnoteException failure(Check c) throws Exception {
		try {
			c.run();
		} catch (FieldnoteException e) {
			return e;
		}
		throw new AssertionError("no FieldnoteException");
	}

	public static void main(String[] a) throws Exception {
		store = a[1];
		url = a[2];
		ca = a[3];
		user = a[4];
		password = System.getenv("FN_PASSWORD").toCharArray();
		noteJson = new String(Files.readAllBytes(Paths.get(a[5])), StandardCharsets.UTF_8);
		if (a[0].equals("first"))
			first();
		else
			returned(a[6]);
		System.exit(failed == 0 ? 0 : 1);
	}

	// Sign-in, save, sync with progress, cancel, guidance; prints "note ID" for the second run.
	static void first() throws Exception {
		check("open_creates_store", () -> open(0x42).close());
		check("wrong_key_is_WRONG_KEY", () -> {
			FieldnoteException e = failure(() -> open(0x43));
			expect(e.status() == FieldnoteException.WRONG_KEY && e.statusName().equals("WRONG_KEY"), "got " + e);
		});
		try (Fieldnote fn = open(0x42)) {
			check("bad_password_is_UNAUTHORIZED", () -> {
				FieldnoteException e = failure(() -> fn.login(user, "not-it".toCharArray()));
				expect(e.status() == FieldnoteException.UNAUTHORIZED, "got " + e);
			});
			check("login_and_session", () -> {
				fn.login(user, password);
				String s = fn.session();
				expect(s.contains("\"signed_in\":true") && s.contains("\"username\":\"" + user + "\""), s);
			});
			AtomicReference<String> id = new AtomicReference<>();
			check("save_keeps_utf8_beyond_bmp", () -> {
				id.set(fn.saveNote(noteJson));
				expect(id.get().length() == 26, "id " + id.get());
				String n = fn.note(id.get());
				expect(n.contains(WORDS), n);
				expect(Arrays.equals(fn.outboxCount(), new long[] { 1, 0 }), "count " + Arrays.toString(fn.outboxCount()));
				expect(fn.outbox().contains(id.get()), fn.outbox());
			});
			check("cancelled_before_start", () -> {
				CancelToken t = new CancelToken();
				t.cancel();
				FieldnoteException e = failure(() -> fn.sync(null, t));
				expect(e.status() == FieldnoteException.CANCELLED, "got " + e);
				expect(e.summary() != null && e.summary().contains("\"stopped\":\"cancelled\""), "summary " + e.summary());
				expect(fn.outboxCount()[0] == 1, "outbox changed");
			});
			check("cancelled_from_the_listener_mid_sync", () -> {
				CancelToken t = new CancelToken();
				List<SyncProgress> seen = new ArrayList<>();
				FieldnoteException e = failure(() -> fn.sync(p -> { seen.add(p); t.cancel(); }, t));
				expect(e.status() == FieldnoteException.CANCELLED, "got " + e);
				// Stopped at the first step: DONE follows at once, with CANCELLED.
				SyncProgress last = seen.get(seen.size() - 1);
				expect(seen.size() == 2 && seen.get(0).step != SyncProgress.DONE && last.step == SyncProgress.DONE
					&& last.status == FieldnoteException.CANCELLED, "progress " + seen);
				expect(fn.outboxCount()[0] == 1, "outbox changed");
			});
			check("listener_exception_stops_the_sync_and_is_rethrown", () -> {
				CancelToken t = new CancelToken();
				try {
					fn.sync(p -> { throw new IllegalStateException("from the listener"); }, t);
					throw new AssertionError("sync returned");
				} catch (IllegalStateException e) {
					expect(e.getMessage().equals("from the listener") && t.isCancelled(), "got " + e);
				}
			});
			check("sync_with_progress", () -> {
				List<SyncProgress> seen = new ArrayList<>();
				String s = fn.sync(seen::add, new CancelToken(), new Fieldnote.SyncOptions().deadlineMs(60000));
				expect(s.contains("\"pushed\":1") && s.contains("\"stopped\":\"done\""), s);
				boolean send = false;
				for (SyncProgress p : seen) {
					if (p.step == SyncProgress.PUSH_SEND)
						send = p.done == 0 && p.total == 1;
					expect(p.total == 0 || p.done <= p.total, "progress beyond its total: " + p);
				}
				SyncProgress last = seen.get(seen.size() - 1);
				expect(send && last.step == SyncProgress.DONE && last.status == 0 && last.stepName.equals("done"),
					"progress " + seen);
				expect(Arrays.equals(fn.outboxCount(), new long[] { 0, 0 }), "outbox not empty");
				expect(fn.noteList().contains("\"id\":\"" + id.get() + "\""), fn.noteList());
			});
			check("guidance_search_and_get_offline", () -> {
				String s = fn.searchGuidance("place of safety");
				expect(s.contains("under-18-place-of-safety"), s);
				String g = fn.guidance("under-18-place-of-safety");
				expect(g.contains("\"body\""), g);
				expect(fn.searchGuidance(null).contains("record-keeping"), "search(null)");
			});
			check("missing_note_is_NOT_FOUND", () -> {
				FieldnoteException e = failure(() -> fn.note("01ARZ3NDEKTSV4RRFFQ69G5FAV"));
				expect(e.statusName().equals("NOT_FOUND"), "got " + e);
			});
			System.out.println("note " + id.get());
		}
		check("closed_handle_refuses_calls", () -> {
			Fieldnote fn = open(0x42);
			fn.close();
			fn.close(); // a second close is a no-op
			try {
				fn.outbox();
				throw new AssertionError("outbox() on a closed handle");
			} catch (IllegalStateException expected) {
				// as documented
			}
		});
		check("static_names", () -> expect(Fieldnote.statusName(21).equals("DEVICE_REVOKED")
			&& !Fieldnote.strerror(25).isEmpty() && Fieldnote.statusName(9999).equals("UNKNOWN"), "names"));
	}

	// After a supervisor returned note `id`: feedback, acknowledgement, amendment, export.
	static void returned(String id) throws Exception {
		try (Fieldnote fn = open(0x42)) {
			check("feedback_pulled_by_sync", () -> {
				String s = fn.sync(null, null);
				expect(s.contains("\"feedback\":1"), s);
				expect(fn.feedback().contains("who else was present"), fn.feedback());
			});
			check("feedback_since_and_ack", () -> {
				String s = fn.feedbackSince(Fieldnote.FEEDBACK_UNACKED);
				expect(s.contains("\"local_seq\":1") && s.contains("\"next\":1"), s);
				fn.ackFeedback(1);
				s = fn.feedbackSince(Fieldnote.FEEDBACK_UNACKED);
				expect(s.contains("\"items\":[]") && s.contains("\"acked\":1"), s);
			});
			check("amend_returned_note_then_sync", () -> {
				expect(fn.note(id).contains("\"state\":\"returned\""), fn.note(id));
				String amended = noteJson.replace("not the shouting", "not the shouting at night");
				expect(!amended.equals(noteJson), "no words to amend");
				long rev = fn.amendNote(id, amended);
				expect(rev == 2 && fn.note(id).contains("shouting at night"), "revision " + rev + ": " + fn.note(id));
				String s = fn.sync(null, null, new Fieldnote.SyncOptions().once());
				expect(s.contains("\"pushed\":1"), s);
			});
			check("export_outbox", () -> {
				fn.saveNote(noteJson);
				String path = store + "/../export.json";
				expect(fn.exportOutbox(path) == 1, "count");
				String e = new String(Files.readAllBytes(Paths.get(path)), StandardCharsets.UTF_8);
				expect(e.contains("PLAINTEXT") && e.contains(WORDS), e);
			});
			check("logout", () -> {
				fn.logout();
				expect(fn.session().contains("\"signed_in\":false"), fn.session());
			});
		}
	}
}
