/* project.c - copies the fields two records share (same name, same type)
 * from one to the other, with their presence bits, by their tables. */
#include <stdint.h>
#include <string.h>

#include "record.h"

static size_t field_size(enum sc_type t)
{
	switch (t) {
	case SC_STR:
	case SC_ENUM:
		return sizeof(struct sc_str);
	case SC_INT:
		return sizeof(int64_t);
	case SC_BOOL:
		return sizeof(bool);
	case SC_STRS:
		return sizeof(struct sc_strs);
	case SC_OBJ:
		return sizeof(void *);
	case SC_OBJS:
		return sizeof(struct sc_strs); /* { pointer, size_t }, as sc_list_<sub> */
	}
	return 0;
}

/* Same name and the same C type holding the same kind of value: an enum's
 * list and an object's record must match too. */
static int same_kind(const struct sc_field *a, const struct sc_field *b)
{
	return a->type == b->type && a->sub == b->sub && a->enum_values == b->enum_values;
}

void sc_project(const struct sc_record *from, const void *src, const struct sc_record *to, void *dst)
{
	uint64_t src_has = *(const uint64_t *)src;
	uint64_t *dst_has = (uint64_t *)dst;

	for (size_t i = 0; i < to->nfields; i++) {
		const struct sc_field *t = &to->fields[i];
		const struct sc_field *f = sc_record_field(from, t->name, t->name_len);
		if (!f || !same_kind(f, t))
			continue;
		size_t j = (size_t)(f - from->fields);
		memcpy((char *)dst + t->offset, (const char *)src + f->offset, field_size(t->type));
		if ((src_has >> j) & 1u)
			*dst_has |= 1ull << i;
		else
			*dst_has &= ~(1ull << i);
	}
}
