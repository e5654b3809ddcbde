/* pp.h - preprocessor plumbing for records.h: apply a macro to each item of a list, with an extra argument. */
#ifndef FN_SCHEMA_PP_H
#define FN_SCHEMA_PP_H

/*
 * Why this exists: a field list is written F(TYPE, name, flags, cap, sub),
 * without the record's name, yet the field-index enum (SC_F_rec_name) and
 * offsetof(struct sc_rec, name) need both. SC_PP_MAP(M, d, x1, x2, ...)
 * expands to M(d, x1) M(d, x2) ..., so the generators turn a field list into
 * a comma list of tuples with SC_PP_TUPLE and map over it with the record
 * name as d.
 *
 * The technique is the well-known deferred-expansion map (as in
 * github.com/swansontec/map-macro): each step leaves the next step's macro
 * name unexpanded and SC_PP_EVAL rescans the text up to 3^5 = 243 times,
 * far more than the SC_MAX_FIELDS (64) items a list may have. Running out of
 * rescans leaves SC_PP_MAP_ tokens behind, a compile error, never a silent
 * truncation.
 */

#define SC_PP_EVAL0(...) __VA_ARGS__
#define SC_PP_EVAL1(...) SC_PP_EVAL0(SC_PP_EVAL0(SC_PP_EVAL0(__VA_ARGS__)))
#define SC_PP_EVAL2(...) SC_PP_EVAL1(SC_PP_EVAL1(SC_PP_EVAL1(__VA_ARGS__)))
#define SC_PP_EVAL3(...) SC_PP_EVAL2(SC_PP_EVAL2(SC_PP_EVAL2(__VA_ARGS__)))
#define SC_PP_EVAL4(...) SC_PP_EVAL3(SC_PP_EVAL3(SC_PP_EVAL3(__VA_ARGS__)))
#define SC_PP_EVAL(...) SC_PP_EVAL4(SC_PP_EVAL4(SC_PP_EVAL4(__VA_ARGS__)))

#define SC_PP_END(...)
#define SC_PP_OUT
#define SC_PP_GET_END2() 0, SC_PP_END
#define SC_PP_GET_END1(...) SC_PP_GET_END2
#define SC_PP_GET_END(...) SC_PP_GET_END1
#define SC_PP_NEXT0(test, next, ...) next SC_PP_OUT
#define SC_PP_NEXT1(test, next) SC_PP_NEXT0(test, next, 0)
#define SC_PP_NEXT(test, next) SC_PP_NEXT1(SC_PP_GET_END test, next)

#define SC_PP_MAP_A(f, d, x, peek, ...) f(d, x) SC_PP_NEXT(peek, SC_PP_MAP_B)(f, d, peek, __VA_ARGS__)
#define SC_PP_MAP_B(f, d, x, peek, ...) f(d, x) SC_PP_NEXT(peek, SC_PP_MAP_A)(f, d, peek, __VA_ARGS__)

/* M(d, x) for each x; the list must not be empty. */
#define SC_PP_MAP(f, d, ...) \
	SC_PP_EVAL(SC_PP_MAP_A(f, d, __VA_ARGS__, ()()(), ()()(), ()()(), 0))

/* Field lists put a leading comma before each item via SC_PP_TUPLE; this
 * re-splits "d, (x1), (x2)" (one argument before expansion) into arguments. */
#define SC_PP_MAP_LIST(f, d_and_list) SC_PP_MAP_I(f, d_and_list)
#define SC_PP_MAP_I(f, ...) SC_PP_MAP(f, __VA_ARGS__)

/* Used as the F of a field list: F(a, b, c) -> , (a, b, c) */
#define SC_PP_TUPLE(...) , (__VA_ARGS__)

/* Calls m with d followed by the items of tuple x. */
#define SC_PP_UNPACK(...) __VA_ARGS__
#define SC_PP_CALL(m, ...) m(__VA_ARGS__)
#define SC_PP_APPLY(m, d, x) SC_PP_CALL(m, d, SC_PP_UNPACK x)

#endif
