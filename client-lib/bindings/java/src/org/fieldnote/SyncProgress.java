// SyncProgress.java - one progress report of a sync (fieldnote.h's fn_progress).
package org.fieldnote;

/** One step of a sync, as fieldnote.h's struct fn_progress describes it. */
public final class SyncProgress {
	/** enum fn_sync_step. */
	public static final int CONNECT = 1, PUSH_SEND = 2, PUSH_SENT = 3, PUSH_REPLY = 4, PUSH_SAVED = 5,
		GUIDANCE_REPLY = 6, GUIDANCE_SAVED = 7, FEEDBACK_REPLY = 8, FEEDBACK_SAVED = 9, RETRY = 10, DONE = 11;

	/** One of the constants above. */
	public final int step;
	/** "push_send", "push_reply", ... */
	public final String stepName;
	/** Counts for the step (total 0: unknown); see fieldnote.h. */
	public final long done, total;
	/** RETRY and DONE: the status (0 is FN_OK). */
	public final int status;
	/** RETRY: the wait before the next try, in milliseconds. */
	public final int delayMs;

	SyncProgress(int step, String stepName, long done, long total, int status, int delayMs) {
		this.step = step;
		this.stepName = stepName;
		this.done = done;
		this.total = total;
		this.status = status;
		this.delayMs = delayMs;
	}

	@Override
	public String toString() {
		return stepName + " " + done + "/" + total + (status != 0 ? " status " + status : "");
	}
}
