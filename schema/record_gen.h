/* record_gen.h - generates a record's field table (struct sc_record) from
 * its SC_FIELDS_x list: SC_GEN_TABLE(x) in exactly one .c file per record.
 * schema/records.c does it for the records that cross the wire; the
 * server's stored-only records (server/stored.c) use it too. */
#ifndef FN_RECORD_GEN_H
#define FN_RECORD_GEN_H

#include <stddef.h>

#include "codec.h"
#include "records.h"

/* sub and enum_values of a field, by type */
#define SC_SUB_STR(sub) NULL
#define SC_SUB_ENUM(sub) NULL
#define SC_SUB_INT(sub) NULL
#define SC_SUB_BOOL(sub) NULL
#define SC_SUB_STRS(sub) NULL
#define SC_SUB_OBJ(sub) (&sc_rec_##sub)
#define SC_SUB_OBJS(sub) (&sc_rec_##sub)

#define SC_VALUES_STR(sub) NULL
#define SC_VALUES_ENUM(sub) sc_enum_##sub
#define SC_VALUES_INT(sub) NULL
#define SC_VALUES_BOOL(sub) NULL
#define SC_VALUES_STRS(sub) NULL
#define SC_VALUES_OBJ(sub) NULL
#define SC_VALUES_OBJS(sub) NULL

#define SC_GEN_FIELD_(rec, T, name, flags, cap, sub) \
	{ #name, sizeof(#name) - 1, SC_##T, offsetof(struct sc_##rec, name), (flags), (cap), \
	  SC_SUB_##T(sub), SC_VALUES_##T(sub) },
#define SC_GEN_FIELD(rec, x) SC_PP_APPLY(SC_GEN_FIELD_, rec, x)

/* The table code moves lists as struct sc_items (codec.h). */
#define SC_GEN_TABLE(rec) \
	_Static_assert(sizeof(struct sc_list_##rec) == sizeof(struct sc_items) && \
	               offsetof(struct sc_list_##rec, n) == offsetof(struct sc_items, n), \
	               "sc_list_" #rec " is not laid out like sc_items"); \
	static const struct sc_field sc_fields_##rec[] = { \
		SC_PP_MAP_LIST(SC_GEN_FIELD, rec SC_FIELDS_##rec(SC_PP_TUPLE)) \
	}; \
	const struct sc_record sc_rec_##rec = { \
		#rec, sizeof(struct sc_##rec), sc_fields_##rec, \
		sizeof sc_fields_##rec / sizeof sc_fields_##rec[0] \
	};
#endif
