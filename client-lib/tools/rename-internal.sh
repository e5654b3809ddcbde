#!/bin/sh
# rename-internal.sh - gives the client library's internal functions the
# internal prefix fni_ (the public API keeps fn_; see client-lib/src/client.h).
# Run from the top of the tree: sh client-lib/tools/rename-internal.sh
# Idempotent: each old name is replaced on word boundaries, and no new name
# contains an old one as a word, so a second run changes nothing. Re-run it
# after merging a branch that still calls the old names.
set -eu
cd "$(dirname "$0")/../.."
[ -f client-lib/include/fieldnote.h ] || { echo "rename-internal.sh: not in a fieldnote tree" >&2; exit 1; }

# old new, one pair a line.
NAMES='
attach_bind fni_attach_bind
attach_push fni_attach_push
attach_read_range fni_attach_read_range
cr_free fni_cr_free
cr_init fni_cr_init
cr_open fni_cr_open
cr_random fni_cr_random
cr_seal fni_cr_seal
cr_ulid fni_cr_ulid
cr_ulid_after fni_cr_ulid_after
cr_wipe fni_cr_wipe
fn_fail fni_fail
fn_fail_store fni_fail_store
fn_limits fni_limits
fn_now fni_now
fn_read_start fni_read_start
fn_record_json fni_record_json
fn_referral_keep fni_referral_keep
http_read_reply fni_http_read_reply
http_request fni_http_request
http_request_ex fni_http_request_ex
meta_token fni_meta_token
meta_user fni_meta_user
net_close fni_net_close
net_connect fni_net_connect
net_free fni_net_free
net_now_ms fni_net_now_ms
net_read fni_net_read
net_session_give fni_net_session_give
net_session_take fni_net_session_take
net_setup fni_net_setup
net_write fni_net_write
note_compose fni_note_compose
ob_counts fni_ob_counts
ob_counts_init fni_ob_counts_init
ob_key fni_ob_key
ob_key_split fni_ob_key_split
ob_list_json fni_ob_list_json
ob_pack fni_ob_pack
ob_state_name fni_ob_state_name
ob_store fni_ob_store
ob_unpack fni_ob_unpack
rpc_call fni_rpc_call
rpc_call_ex fni_rpc_call_ex
rpc_decode fni_rpc_decode
rpc_end fni_rpc_end
rpc_init fni_rpc_init
rpc_progress fni_rpc_progress
sent_pack fni_sent_pack
sent_status_name fni_sent_status_name
sent_unpack fni_sent_unpack
session_forget fni_session_forget
session_is_revoked fni_session_is_revoked
session_revoked fni_session_revoked
st_be64 fni_st_be64
st_close fni_st_close
st_del fni_st_del
st_from_be64 fni_st_from_be64
st_get fni_st_get
st_get_sealed fni_st_get_sealed
st_get_u64 fni_st_get_u64
st_open fni_st_open
st_open_value fni_st_open_value
st_put fni_st_put
st_put_sealed fni_st_put_sealed
st_put_u64 fni_st_put_u64
st_read fni_st_read
st_read_end fni_st_read_end
st_release fni_st_release
st_status fni_st_status
st_write fni_st_write
sync_pull fni_sync_pull
user_cached fni_user_cached
'

# One sed program for all names; \b keeps st_get from matching st_get_u64
# or fni_st_get.
prog=$(printf '%s\n' "$NAMES" | awk 'NF == 2 { printf "s/\\b%s\\b/%s/g\n", $1, $2 }')
files=$(find client-lib tests/unit/client -type f \( -name '*.c' -o -name '*.h' -o -name '*.md' -o -name '*.mk' \) \
	-not -path 'client-lib/tools/*' | sort)
changed=0
for f in $files; do
	if ! printf '%s\n' "$prog" | sed -f - "$f" | cmp -s - "$f"; then
		printf '%s\n' "$prog" | sed -i -f - "$f"
		changed=$((changed + 1))
	fi
done
echo "rename-internal.sh: $changed file(s) changed"
