/* records.c - the field tables of every record in records.h, generated from the same lists. */
#include "records.h"

#include "codec.h"

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

/* ---------------------------------------------------------- enums --- */

#define SC_GEN_ENUM_STRING(v) #v,
#define SC_GEN_ENUM_TABLE(e) const char *const sc_enum_##e[] = { SC_ENUM_##e(SC_GEN_ENUM_STRING) NULL };
SC_ENUMS(SC_GEN_ENUM_TABLE)

/* -------------------------------------------------------- records --- */

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
SC_RECORDS(SC_GEN_TABLE)

_Static_assert(sizeof(struct sc_strs) == sizeof(struct sc_items) &&
               offsetof(struct sc_strs, n) == offsetof(struct sc_items, n),
               "sc_strs is not laid out like sc_items");
