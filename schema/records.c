/* records.c - the field tables of every record in records.h, generated from the same lists. */
#include "records.h"

#include "codec.h"
#include "record_gen.h"

/* ---------------------------------------------------------- enums --- */

#define SC_GEN_ENUM_STRING(v) #v,
#define SC_GEN_ENUM_TABLE(e) const char *const sc_enum_##e[] = { SC_ENUM_##e(SC_GEN_ENUM_STRING) NULL };
SC_ENUMS(SC_GEN_ENUM_TABLE)

/* -------------------------------------------------------- records --- */

SC_RECORDS(SC_GEN_TABLE)

_Static_assert(sizeof(struct sc_strs) == sizeof(struct sc_items) &&
               offsetof(struct sc_strs, n) == offsetof(struct sc_items, n),
               "sc_strs is not laid out like sc_items");
