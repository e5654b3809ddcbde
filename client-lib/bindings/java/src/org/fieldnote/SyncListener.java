// SyncListener.java - receives a sync's progress.
package org.fieldnote;

/**
 * Called on the thread running {@link Fieldnote#sync}, at each step, with no
 * store lock held: it may call the same Fieldnote's readers (outbox(),
 * noteList(), ...) but not sync, login or logout (they wait for this sync).
 * Keep it quick (post to the UI thread). If it throws, the sync is cancelled
 * (the CancelToken given, if any, is set) and sync() rethrows the exception.
 */
public interface SyncListener {
	void onProgress(SyncProgress p);
}
