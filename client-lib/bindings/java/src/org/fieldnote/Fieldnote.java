// Fieldnote.java - libfieldnote for Java and Kotlin: a thin JNI binding over fieldnote.h.
package org.fieldnote;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One open store (fieldnote.h's fn_client). Every method maps to one call
 * of fieldnote.h, which documents its behaviour and status codes; results
 * are that call's JSON text, failures a {@link FieldnoteException} carrying
 * the status and detail.
 *
 * Threads: a Fieldnote may be shared by threads, as the C handle may.
 * login, logout and sync wait on the network: call them on a worker thread,
 * never the UI thread. close() waits for calls in progress on other threads
 * to end (a sync can be ended early with its CancelToken).
 *
 * Memory: the library's strings are copied into Java strings and freed at
 * once; the key and the password are copied for the call and wiped.
 */
public final class Fieldnote implements AutoCloseable {
	static {
		System.loadLibrary("fieldnote_jni");
	}

	/** fieldnote.h's FN_KEY_SIZE: the store key's length in bytes. */
	public static final int KEY_SIZE = 32;
	/** feedbackSince's `after` for "what was not acknowledged yet" (FN_FEEDBACK_UNACKED). */
	public static final long FEEDBACK_UNACKED = -1L;

	/** fn_options: what fn_client_open takes. Zero or null members take the library's defaults. */
	public static final class Options {
		String storeDir, serverUrl, caFile, certFile, certKeyFile, deviceId;
		byte[] key;
		int connectTimeoutMs, readTimeoutMs, requestTimeoutMs, attempts, backoffMs, batch;

		/** Required: the store's directory and the 32-byte key (copied; wipe yours after open). */
		public Options(String storeDir, byte[] key) {
			this.storeDir = storeDir;
			this.key = key;
		}
		/** "https://host:port" and the PEM CA file it must be signed by (the only trust anchor). */
		public Options server(String url, String caFile) { serverUrl = url; this.caFile = caFile; return this; }
		/** A device certificate and its key (PEM), shown when the server asks. */
		public Options deviceCertificate(String certFile, String keyFile) { this.certFile = certFile; certKeyFile = keyFile; return this; }
		public Options deviceId(String id) { deviceId = id; return this; }
		public Options timeouts(int connectMs, int readMs, int requestMs) {
			connectTimeoutMs = unsigned(connectMs); readTimeoutMs = unsigned(readMs); requestTimeoutMs = unsigned(requestMs);
			return this;
		}
		/** Tries per request during a sync and the first retry delay. */
		public Options retries(int attempts, int backoffMs) { this.attempts = unsigned(attempts); this.backoffMs = unsigned(backoffMs); return this; }
		public Options batch(int notes) { batch = unsigned(notes); return this; }
	}

	/** fn_sync_options: the retry policy of one sync. Zero members take the handle's settings. */
	public static final class SyncOptions {
		int flags, attempts, deadlineMs, maxWaitMs;
		/** FN_SYNC_ONCE: one try per request, no waiting ("sync now" in the foreground). */
		public SyncOptions once() { flags |= 1; return this; }
		public SyncOptions attempts(int n) { attempts = unsigned(n); return this; }
		/** The whole sync ends within this: status TIMEOUT, what was done kept. */
		public SyncOptions deadlineMs(int ms) { deadlineMs = unsigned(ms); return this; }
		/** The longest Retry-After the sync waits for. */
		public SyncOptions maxWaitMs(int ms) { maxWaitMs = unsigned(ms); return this; }
	}

	private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
	private long handle;

	private Fieldnote(long handle) {
		this.handle = handle;
	}

	/** fn_client_open: opens (creating if need be) the store. */
	public static Fieldnote open(Options o) throws FieldnoteException {
		if (o == null || o.key == null || o.key.length != KEY_SIZE)
			throw new IllegalArgumentException("the key must be " + KEY_SIZE + " bytes");
		int[] n = { o.connectTimeoutMs, o.readTimeoutMs, o.requestTimeoutMs, o.attempts, o.backoffMs, o.batch };
		return new Fieldnote(nOpen(cstr(o.storeDir), o.key, cstr(o.serverUrl), cstr(o.caFile), cstr(o.certFile),
			cstr(o.certKeyFile), cstr(o.deviceId), n));
	}

	/** fn_client_close. Waits for calls in progress; later calls throw IllegalStateException. */
	@Override
	public void close() {
		lock.writeLock().lock();
		try {
			if (handle != 0)
				nClose(handle);
			handle = 0;
		} finally {
			lock.writeLock().unlock();
		}
	}

	/** fn_login. Blocks on the network. The password array is left as given (wipe it). */
	public void login(String username, char[] password) throws FieldnoteException {
		byte[] pw = utf8(password);
		try {
			call(h -> { nLogin(h, cstr(username), pw); return null; });
		} finally {
			Arrays.fill(pw, (byte) 0);
		}
	}

	/** fn_logout. Blocks on the network. */
	public void logout() throws FieldnoteException { call(h -> { nLogout(h); return null; }); }

	/** fn_session_get. */
	public String session() throws FieldnoteException { return text(call(Fieldnote::nSession)); }

	/** fn_note_save: returns the new note's id. */
	public String saveNote(String json) throws FieldnoteException {
		return text(call(h -> nNoteSave(h, cstr(json))));
	}

	/** fn_note_amend: returns the revision queued. */
	public long amendNote(String id, String json) throws FieldnoteException {
		return call(h -> nNoteAmend(h, cstr(id), cstr(json)));
	}

	/** fn_note_get. */
	public String note(String id) throws FieldnoteException { return text(call(h -> nNoteGet(h, cstr(id)))); }

	/** fn_note_list: every note the device knows, with its state. */
	public String noteList() throws FieldnoteException { return text(call(Fieldnote::nNoteList)); }

	/** fn_outbox_list. */
	public String outbox() throws FieldnoteException { return text(call(Fieldnote::nOutboxList)); }

	/** fn_outbox_count: {queued, refused}, without decrypting the outbox. */
	public long[] outboxCount() throws FieldnoteException { return call(Fieldnote::nOutboxCount); }

	/** fn_outbox_export: writes the outbox, PLAINTEXT, to path; returns the number of notes. */
	public long exportOutbox(String path) throws FieldnoteException { return call(h -> nOutboxExport(h, cstr(path))); }

	/** fn_guidance_get (records the version for the next note's guidance_seen). */
	public String guidance(String id) throws FieldnoteException { return text(call(h -> nGuidanceGet(h, cstr(id)))); }

	/** fn_guidance_search: words "" or null lists every document. */
	public String searchGuidance(String words) throws FieldnoteException {
		return text(call(h -> nGuidanceSearch(h, cstr(words))));
	}

	/** fn_feedback_list. */
	public String feedback() throws FieldnoteException { return text(call(Fieldnote::nFeedbackList)); }

	/** fn_feedback_since: items after the cursor (FEEDBACK_UNACKED: after the acknowledged one). */
	public String feedbackSince(long after) throws FieldnoteException { return text(call(h -> nFeedbackSince(h, after))); }

	/** fn_feedback_ack. */
	public void ackFeedback(long upto) throws FieldnoteException { call(h -> { nFeedbackAck(h, upto); return null; }); }

	/**
	 * fn_sync_run_with: returns the summary JSON. On failure the exception's
	 * summary() has it. listener, cancel and options may be null. Blocks on
	 * the network.
	 */
	public String sync(SyncListener listener, CancelToken cancel, SyncOptions options) throws FieldnoteException {
		SyncOptions so = options != null ? options : new SyncOptions();
		ByteBuffer flag = cancel != null ? cancel.flag : null;
		return text(call(h -> nSync(h, listener, flag, so.flags, so.attempts, so.deadlineMs, so.maxWaitMs)));
	}

	/** sync(listener, cancel, null). */
	public String sync(SyncListener listener, CancelToken cancel) throws FieldnoteException {
		return sync(listener, cancel, null);
	}

	/** fn_strerror: the status in words. */
	public static String strerror(int status) { return nStrerror(status); }

	/** fn_status_name: "WRONG_KEY", ... */
	public static String statusName(int status) { return nStatusName(status); }

	// --- plumbing ---------------------------------------------------------

	private interface Call<T> {
		T run(long handle) throws FieldnoteException;
	}

	// Calls share the read lock (the C handle serialises them itself); close
	// takes the write lock, so it never frees a handle another thread is in.
	private <T> T call(Call<T> c) throws FieldnoteException {
		lock.readLock().lock();
		try {
			if (handle == 0)
				throw new IllegalStateException("Fieldnote is closed");
			return c.run(handle);
		} finally {
			lock.readLock().unlock();
		}
	}

	private static int unsigned(int v) {
		if (v < 0)
			throw new IllegalArgumentException("negative: " + v);
		return v;
	}

	// Strings cross as NUL-terminated UTF-8: JNI's own string calls use
	// "modified UTF-8", which differs for NUL and characters beyond U+FFFF
	// (emoji in a child's words).
	static byte[] cstr(String s) {
		if (s == null)
			return null;
		byte[] b = s.getBytes(StandardCharsets.UTF_8);
		return Arrays.copyOf(b, b.length + 1);
	}

	private static byte[] utf8(char[] chars) {
		ByteBuffer bb = StandardCharsets.UTF_8.encode(CharBuffer.wrap(chars));
		byte[] b = new byte[bb.remaining() + 1];
		bb.get(b, 0, b.length - 1);
		if (bb.hasArray())
			Arrays.fill(bb.array(), (byte) 0);
		return b;
	}

	private static String text(byte[] b) {
		return b == null ? null : new String(b, StandardCharsets.UTF_8);
	}

	// Called by the JNI glue on the syncing thread.
	@SuppressWarnings("unused")
	private static void progress(SyncListener l, int step, String name, long done, long total, int status, int delayMs) {
		l.onProgress(new SyncProgress(step, name, done, total, status, delayMs));
	}

	private static native long nOpen(byte[] storeDir, byte[] key, byte[] serverUrl, byte[] caFile, byte[] certFile,
		byte[] certKeyFile, byte[] deviceId, int[] numbers) throws FieldnoteException;
	private static native void nClose(long h);
	private static native void nLogin(long h, byte[] user, byte[] password) throws FieldnoteException;
	private static native void nLogout(long h) throws FieldnoteException;
	private static native byte[] nSession(long h) throws FieldnoteException;
	private static native byte[] nNoteSave(long h, byte[] json) throws FieldnoteException;
	private static native long nNoteAmend(long h, byte[] id, byte[] json) throws FieldnoteException;
	private static native byte[] nNoteGet(long h, byte[] id) throws FieldnoteException;
	private static native byte[] nNoteList(long h) throws FieldnoteException;
	private static native byte[] nOutboxList(long h) throws FieldnoteException;
	private static native long[] nOutboxCount(long h) throws FieldnoteException;
	private static native long nOutboxExport(long h, byte[] path) throws FieldnoteException;
	private static native byte[] nGuidanceGet(long h, byte[] id) throws FieldnoteException;
	private static native byte[] nGuidanceSearch(long h, byte[] words) throws FieldnoteException;
	private static native byte[] nFeedbackList(long h) throws FieldnoteException;
	private static native byte[] nFeedbackSince(long h, long after) throws FieldnoteException;
	private static native void nFeedbackAck(long h, long upto) throws FieldnoteException;
	private static native byte[] nSync(long h, SyncListener l, ByteBuffer cancel, int flags, int attempts,
		int deadlineMs, int maxWaitMs) throws FieldnoteException;
	static native void nCancel(ByteBuffer flag);
	private static native String nStrerror(int status);
	private static native String nStatusName(int status);
}
