// CancelToken.java - the cancel flag a sync watches, settable from any thread.
package org.fieldnote;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Stops a running sync from another thread (an Android JobService's
 * onStopJob, an iOS-style expiration handler, a "stop" button): the sync
 * sees it at its next step or I/O wait (within about 0.2 s) and fails with
 * FieldnoteException status CANCELLED, everything done so far kept.
 * A token stays cancelled; use a new one for the next sync.
 *
 * The flag is a 4-byte direct buffer, outside the Java heap so the library
 * can watch its address while the sync runs; the garbage collector frees it.
 */
public final class CancelToken {
	final ByteBuffer flag = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder());

	/** Asks the sync using this token to stop. Safe from any thread. */
	public void cancel() {
		Fieldnote.nCancel(flag);
	}

	/** Whether cancel() was called (or a listener threw). */
	public boolean isCancelled() {
		return flag.getInt(0) != 0;
	}
}
