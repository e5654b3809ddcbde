/* fieldnote_jni.c - JNI glue for org.fieldnote.Fieldnote: each native method is one fieldnote.h call. */
/*
 * Strings cross as NUL-terminated UTF-8 byte arrays both ways (Fieldnote.java
 * makes and reads them): JNI's NewStringUTF/GetStringUTFChars use "modified
 * UTF-8", which differs from the library's UTF-8 for NUL and for characters
 * beyond U+FFFF. A status other than FN_OK becomes a FieldnoteException
 * carrying the detail read at once from fn_client_last_error (later, another
 * thread's failure could have replaced it). Every string the library hands
 * out is copied into a Java array and fn_free'd here.
 */
#include <jni.h>
#include <stdlib.h>
#include <string.h>

#include <fieldnote.h>

#define EXC_CLASS "org/fieldnote/FieldnoteException"
#define MAIN_CLASS "org/fieldnote/Fieldnote"

/* Looked up once in JNI_OnLoad: FindClass from a thread the app made
 * (Android) would not see the app's classes. Global references, kept for
 * the life of the library (there is no JNI_OnUnload work to do: the class
 * loader holding them unloads the library with them). */
static jclass exc_class, main_class;
static jmethodID exc_ctor, progress_mid;

JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *reserved)
{
	JNIEnv *env;
	jclass c;

	(void)reserved;
	if ((*vm)->GetEnv(vm, (void **)&env, JNI_VERSION_1_6) != JNI_OK)
		return JNI_ERR;
	if (!(c = (*env)->FindClass(env, EXC_CLASS)) || !(exc_class = (*env)->NewGlobalRef(env, c)))
		return JNI_ERR;
	if (!(c = (*env)->FindClass(env, MAIN_CLASS)) || !(main_class = (*env)->NewGlobalRef(env, c)))
		return JNI_ERR;
	exc_ctor = (*env)->GetMethodID(env, exc_class, "<init>", "(ILjava/lang/String;Ljava/lang/String;[B[B)V");
	progress_mid = (*env)->GetStaticMethodID(env, main_class, "progress",
	                                         "(Lorg/fieldnote/SyncListener;ILjava/lang/String;JJII)V");
	return exc_ctor && progress_mid ? JNI_VERSION_1_6 : JNI_ERR;
}

/* A Java byte[] holding len bytes (a NULL p gives null). NULL with an
 * OutOfMemoryError pending when the array cannot be made. */
static jbyteArray bytes_new(JNIEnv *env, const char *p, size_t len)
{
	jbyteArray a;

	if (!p)
		return NULL;
	if (len > 0x7fffffff) {
		(*env)->ThrowNew(env, (*env)->FindClass(env, "java/lang/OutOfMemoryError"), "string too long");
		return NULL;
	}
	if ((a = (*env)->NewByteArray(env, (jsize)len)))
		(*env)->SetByteArrayRegion(env, a, 0, (jsize)len, (const jbyte *)p);
	return a;
}

/* Throws FieldnoteException(rc, detail, summary); summary may be NULL. */
static void throw_exc(JNIEnv *env, int rc, const char *detail, const char *summary)
{
	jstring name, text;
	jbyteArray d, s;
	jobject e;

	if ((*env)->ExceptionCheck(env))
		return; /* a listener's own exception goes first */
	name = (*env)->NewStringUTF(env, fn_status_name(rc)); /* static ASCII */
	text = (*env)->NewStringUTF(env, fn_strerror(rc));
	d = bytes_new(env, detail, strlen(detail));
	s = summary ? bytes_new(env, summary, strlen(summary)) : NULL;
	if ((*env)->ExceptionCheck(env))
		return;
	e = (*env)->NewObject(env, exc_class, exc_ctor, (jint)rc, name, text, d, s);
	if (e)
		(*env)->Throw(env, (jthrowable)e);
}

/* Throws for status rc of a call on c, with c's detail of it. */
static void throw_status(JNIEnv *env, fn_client *c, int rc, const char *summary)
{
	char detail[1024] = "";

	if (c)
		fn_client_last_error(c, detail, sizeof detail);
	throw_exc(env, rc, detail, summary);
}

/* The bytes of a NUL-terminated byte[] from Fieldnote.cstr, copied (NULL for
 * null or when *bad is already set; NULL with *bad set and an exception
 * pending when memory ran out). The caller frees it with cstr_free. */
static char *cstr_get(JNIEnv *env, jbyteArray a, int *bad)
{
	jsize n;
	char *p;

	if (!a || *bad) /* after a failure an exception is pending: no more JNI */
		return NULL;
	n = (*env)->GetArrayLength(env, a);
	if (!(p = malloc((size_t)n + 1))) {
		*bad = 1;
		(*env)->ThrowNew(env, (*env)->FindClass(env, "java/lang/OutOfMemoryError"), "fieldnote_jni");
		return NULL;
	}
	(*env)->GetByteArrayRegion(env, a, 0, n, (jbyte *)p);
	p[n] = '\0';
	return p;
}

/* Wipes (passwords, keys) and frees. */
static void cstr_free(char *p)
{
	if (p) {
		volatile char *v = p;
		while (*v)
			*v++ = 0;
	}
	free(p);
}

static fn_client *H(jlong h)
{
	return (fn_client *)(intptr_t)h;
}

/* A char ** result as a byte[] (the library's string freed), or the throw. */
static jbyteArray json_result(JNIEnv *env, fn_client *c, int rc, char *out)
{
	jbyteArray a = NULL;

	if (rc == FN_OK)
		a = bytes_new(env, out, out ? strlen(out) : 0);
	else
		throw_status(env, c, rc, NULL);
	fn_free(out);
	return a;
}

#define JFN(name) JNICALL Java_org_fieldnote_Fieldnote_##name
#define JARGS JNIEnv *env, jclass cls

/* A call that answers JSON about the client alone (a list, the session). */
static jbyteArray client_to_json(JNIEnv *env, fn_client *c, int (*call)(fn_client *c, char **out))
{
	char *out = NULL;
	int rc = call(c, &out);

	return json_result(env, c, rc, out);
}

/* The calls that take one string and hand back JSON (note, guidance
 * document, guidance search): the Java bytes in as a C string, the JSON out
 * as json_result makes it (NULL with an exception pending on failure). */
static jbyteArray string_to_json(JNIEnv *env, fn_client *c, jbyteArray jarg,
                                 int (*call)(fn_client *c, const char *arg, char **out))
{
	char *out = NULL;
	int bad = 0, rc;
	char *arg = cstr_get(env, jarg, &bad);

	if (bad)
		return NULL;
	rc = call(c, arg, &out);
	cstr_free(arg);
	return json_result(env, c, rc, out);
}

/* ------------------------------------------------------------ handles --- */

/* fn_options from nOpen's arguments (num: the six numbers of Options). */
static void options_fill(fn_options *o, const unsigned char *key, char *const str[6], const jint num[6])
{
	fn_options_init(o);
	o->key = key;
	o->store_dir = str[0];
	o->server_url = str[1];
	o->ca_file = str[2];
	o->cert_file = str[3];
	o->cert_key_file = str[4];
	o->device_id = str[5];
	o->connect_timeout_ms = (unsigned)num[0];
	o->read_timeout_ms = (unsigned)num[1];
	o->request_timeout_ms = (unsigned)num[2];
	o->attempts = (unsigned)num[3];
	o->backoff_ms = (unsigned)num[4];
	o->batch = (unsigned)num[5];
}

JNIEXPORT jlong JFN(nOpen)(JARGS, jbyteArray jdir, jbyteArray jkey, jbyteArray jurl, jbyteArray jca,
                           jbyteArray jcert, jbyteArray jcertkey, jbyteArray jdevid, jintArray jnum)
{
	unsigned char key[FN_KEY_SIZE];
	char why[512] = "", *str[6];
	jbyteArray jstr[6] = { jdir, jurl, jca, jcert, jcertkey, jdevid };
	jint num[6] = { 0 };
	fn_options o;
	fn_client *c = NULL;
	int bad = 0, rc = FN_BAD_ARGUMENT;

	(void)cls;
	if (!jkey || (*env)->GetArrayLength(env, jkey) != FN_KEY_SIZE || !jnum || (*env)->GetArrayLength(env, jnum) != 6) {
		throw_exc(env, FN_BAD_ARGUMENT, "key or options", NULL);
		return 0;
	}
	(*env)->GetByteArrayRegion(env, jkey, 0, FN_KEY_SIZE, (jbyte *)key);
	(*env)->GetIntArrayRegion(env, jnum, 0, 6, num);
	for (int i = 0; i < 6; i++)
		str[i] = cstr_get(env, jstr[i], &bad);
	if (!bad) {
		options_fill(&o, key, str, num);
		o.open_error = why;
		o.open_error_size = sizeof why;
		rc = fn_client_open(&c, &o);
	}
	{
		volatile unsigned char *v = key; /* the library keeps its own copy */
		for (size_t i = 0; i < sizeof key; i++)
			v[i] = 0;
	}
	for (int i = 0; i < 6; i++)
		cstr_free(str[i]);
	if (bad)
		return 0;
	if (rc != FN_OK) {
		throw_exc(env, rc, why, NULL); /* no handle to ask: open_error's detail */
		return 0;
	}
	return (jlong)(intptr_t)c;
}

JNIEXPORT void JFN(nClose)(JARGS, jlong h)
{
	(void)env, (void)cls;
	fn_client_close(H(h));
}

/* ------------------------------------------------------------ session --- */

JNIEXPORT void JFN(nLogin)(JARGS, jlong h, jbyteArray juser, jbyteArray jpw)
{
	int bad = 0, rc;
	char *user = cstr_get(env, juser, &bad), *pw = cstr_get(env, jpw, &bad);

	(void)cls;
	if (!bad) {
		rc = fn_login(H(h), user, pw);
		if (rc != FN_OK)
			throw_status(env, H(h), rc, NULL);
	}
	cstr_free(user);
	cstr_free(pw);
}

JNIEXPORT void JFN(nLogout)(JARGS, jlong h)
{
	int rc = fn_logout(H(h));

	(void)cls;
	if (rc != FN_OK)
		throw_status(env, H(h), rc, NULL);
}

JNIEXPORT jbyteArray JFN(nSession)(JARGS, jlong h)
{
	(void)cls;
	return client_to_json(env, H(h), fn_session_get);
}

/* -------------------------------------------------------------- notes --- */

JNIEXPORT jbyteArray JFN(nNoteSave)(JARGS, jlong h, jbyteArray jjson)
{
	char id[FN_ID_SIZE] = "";
	int bad = 0, rc;
	char *json = cstr_get(env, jjson, &bad);
	jbyteArray a = NULL;

	(void)cls;
	if (bad)
		return NULL;
	rc = fn_note_save(H(h), json, id);
	if (rc == FN_OK)
		a = bytes_new(env, id, strlen(id));
	else
		throw_status(env, H(h), rc, NULL);
	cstr_free(json);
	return a;
}

JNIEXPORT jlong JFN(nNoteAmend)(JARGS, jlong h, jbyteArray jid, jbyteArray jjson)
{
	int64_t rev = 0;
	int bad = 0, rc;
	char *id = cstr_get(env, jid, &bad), *json = cstr_get(env, jjson, &bad);

	(void)cls;
	if (!bad && (rc = fn_note_amend(H(h), id, json, &rev)) != FN_OK)
		throw_status(env, H(h), rc, NULL);
	cstr_free(id);
	cstr_free(json);
	return (jlong)rev;
}

JNIEXPORT jbyteArray JFN(nNoteGet)(JARGS, jlong h, jbyteArray jid)
{
	(void)cls;
	return string_to_json(env, H(h), jid, fn_note_get);
}

JNIEXPORT jbyteArray JFN(nNoteList)(JARGS, jlong h)
{
	(void)cls;
	return client_to_json(env, H(h), fn_note_list);
}

JNIEXPORT jbyteArray JFN(nOutboxList)(JARGS, jlong h)
{
	(void)cls;
	return client_to_json(env, H(h), fn_outbox_list);
}

JNIEXPORT jlongArray JFN(nOutboxCount)(JARGS, jlong h)
{
	uint64_t q = 0, r = 0;
	int rc = fn_outbox_count(H(h), &q, &r);
	jlongArray a;
	jlong v[2];

	(void)cls;
	if (rc != FN_OK) {
		throw_status(env, H(h), rc, NULL);
		return NULL;
	}
	v[0] = (jlong)q;
	v[1] = (jlong)r;
	if ((a = (*env)->NewLongArray(env, 2)))
		(*env)->SetLongArrayRegion(env, a, 0, 2, v);
	return a;
}

JNIEXPORT jlong JFN(nOutboxExport)(JARGS, jlong h, jbyteArray jpath)
{
	uint64_t n = 0;
	int bad = 0, rc;
	char *path = cstr_get(env, jpath, &bad);

	(void)cls;
	if (!bad && (rc = fn_outbox_export(H(h), path, &n)) != FN_OK)
		throw_status(env, H(h), rc, NULL);
	cstr_free(path);
	return (jlong)n;
}

/* ----------------------------------------------- guidance and feedback --- */

JNIEXPORT jbyteArray JFN(nGuidanceGet)(JARGS, jlong h, jbyteArray jid)
{
	(void)cls;
	return string_to_json(env, H(h), jid, fn_guidance_get);
}

JNIEXPORT jbyteArray JFN(nGuidanceSearch)(JARGS, jlong h, jbyteArray jwords)
{
	(void)cls;
	return string_to_json(env, H(h), jwords, fn_guidance_search);
}

JNIEXPORT jbyteArray JFN(nFeedbackList)(JARGS, jlong h)
{
	(void)cls;
	return client_to_json(env, H(h), fn_feedback_list);
}

JNIEXPORT jbyteArray JFN(nFeedbackSince)(JARGS, jlong h, jlong after)
{
	char *out = NULL;
	int rc = fn_feedback_since(H(h), (uint64_t)after, &out);

	(void)cls;
	return json_result(env, H(h), rc, out);
}

JNIEXPORT void JFN(nFeedbackAck)(JARGS, jlong h, jlong upto)
{
	int rc = fn_feedback_ack(H(h), (uint64_t)upto);

	(void)cls;
	if (rc != FN_OK)
		throw_status(env, H(h), rc, NULL);
}

/* --------------------------------------------------------------- sync --- */

/* What the progress callback needs: the syncing thread's env (the callback
 * runs on the thread that called fn_sync_run_with), the listener, and the
 * flag to set when the listener throws. */
struct sync_ctx {
	JNIEnv *env;
	jobject listener;
	volatile int *cancel;
	int threw;
};

static void on_progress(void *arg, const fn_progress *p)
{
	struct sync_ctx *x = arg;
	JNIEnv *env = x->env;
	jstring name;

	if (!x->listener || x->threw)
		return;
	name = (*env)->NewStringUTF(env, p->step_name ? p->step_name : "");
	if (name)
		(*env)->CallStaticVoidMethod(env, main_class, progress_mid, x->listener, (jint)p->step, name,
		                             (jlong)p->done, (jlong)p->total, (jint)p->status, (jint)p->delay_ms);
	/* A local reference per call would pile up over a long sync. */
	if (name)
		(*env)->DeleteLocalRef(env, name);
	if ((*env)->ExceptionCheck(env)) {
		/* Left pending, to be thrown when the sync returns; no more JNI
		 * calls but the ones allowed with an exception pending. */
		x->threw = 1;
		__atomic_store_n(x->cancel, 1, __ATOMIC_SEQ_CST);
	}
}

JNIEXPORT jbyteArray JFN(nSync)(JARGS, jlong h, jobject listener, jobject jcancel, jint flags, jint attempts,
                                jint deadline_ms, jint max_wait_ms)
{
	volatile int own = 0;
	struct sync_ctx x = { env, listener, &own, 0 };
	fn_sync_options so;
	char *summary = NULL;
	jbyteArray a = NULL;
	int rc;

	(void)cls;
	if (jcancel) {
		/* A direct buffer of 4 bytes (CancelToken): its memory stays put
		 * while the token is reachable, which the caller's frame ensures. */
		void *p = (*env)->GetDirectBufferAddress(env, jcancel);
		if (!p || (*env)->GetDirectBufferCapacity(env, jcancel) < (jlong)sizeof(int)) {
			throw_status(env, H(h), FN_BAD_ARGUMENT, NULL);
			return NULL;
		}
		x.cancel = p;
	}
	fn_sync_options_init(&so);
	so.flags = (unsigned)flags;
	so.attempts = (unsigned)attempts;
	so.deadline_ms = (unsigned)deadline_ms;
	so.max_wait_ms = (unsigned)max_wait_ms;
	rc = fn_sync_run_with(H(h), &so, on_progress, &x, x.cancel, &summary);
	if (x.threw) {
		/* The listener's exception is pending: throw nothing else. */
	} else if (rc == FN_OK) {
		a = bytes_new(env, summary, summary ? strlen(summary) : 0);
	} else {
		throw_status(env, H(h), rc, summary);
	}
	fn_free(summary);
	return a;
}

JNIEXPORT void JFN(nCancel)(JARGS, jobject jflag)
{
	int *p = jflag ? (*env)->GetDirectBufferAddress(env, jflag) : NULL;

	(void)cls;
	if (p)
		__atomic_store_n(p, 1, __ATOMIC_SEQ_CST);
}

JNIEXPORT jstring JFN(nStrerror)(JARGS, jint status)
{
	(void)cls;
	return (*env)->NewStringUTF(env, fn_strerror(status));
}

JNIEXPORT jstring JFN(nStatusName)(JARGS, jint status)
{
	(void)cls;
	return (*env)->NewStringUTF(env, fn_status_name(status));
}
