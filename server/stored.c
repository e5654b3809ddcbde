/* stored.c - the field tables of the records in stored.h. */
#include "stored.h"

#include "record_gen.h"

SC_STORED_RECORDS(SC_GEN_TABLE)
