// FieldnoteException.java - a libfieldnote call that did not return FN_OK.
package org.fieldnote;

import java.nio.charset.StandardCharsets;

/**
 * A libfieldnote status other than FN_OK: {@link #status()} is the number
 * (fieldnote.h's enum fn_status, append-only, also on the wire),
 * {@link #statusName()} its stable upper-case name ("WRONG_KEY"),
 * {@link #detail()} what fn_client_last_error said right after the call,
 * and {@link #summary()} the sync summary JSON when a sync failed.
 */
public class FieldnoteException extends Exception {
	private static final long serialVersionUID = 1L;

	/** Status numbers an app tests for most (fieldnote.h has them all). */
	public static final int UNAUTHORIZED = 4, TOO_MANY_REQUESTS = 12, DEVICE_REVOKED = 21, TLS_ERROR = 23,
		NETWORK_ERROR = 24, WRONG_KEY = 25, CANCELLED = 26, TIMEOUT = 27, BAD_ARGUMENT = 28;

	private final int status;
	private final String name;
	private final String detail;
	private final String summary;

	// Made by the JNI glue: the detail and summary arrive as UTF-8 bytes
	// (they may quote the server or a note; JNI's "modified UTF-8" is not UTF-8).
	FieldnoteException(int status, String name, String text, byte[] detail, byte[] summary) {
		super(name + ": " + text + (detail != null && detail.length > 0
			? ": " + new String(detail, StandardCharsets.UTF_8) : ""));
		this.status = status;
		this.name = name;
		this.detail = detail == null ? "" : new String(detail, StandardCharsets.UTF_8);
		this.summary = summary == null ? null : new String(summary, StandardCharsets.UTF_8);
	}

	/** The status number (enum fn_status). */
	public int status() { return status; }

	/** The status's stable name, as fn_status_name gives it. */
	public String statusName() { return name; }

	/** The detail of the failure ("" if none). */
	public String detail() { return detail; }

	/** For a failed sync: the summary JSON (see fn_sync_run_with); else null. */
	public String summary() { return summary; }
}
