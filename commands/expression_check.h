/* Is an expression GDB is asked to evaluate an address, and nothing
 * that runs code in the process or writes it? GDB's evaluator calls
 * functions in the inferior ("getpid()"), assigns ("x = 1", "x++"), and
 * places literals in its memory ("\"abc\"", "{1, 2}"): none of that may
 * happen through a read-only command. A lexical check, strict on purpose:
 * some harmless forms are refused too (say "*(int *) a", not "{int} a"). */
#ifndef NGXMEM_EXPRESSION_CHECK_H
#define NGXMEM_EXPRESSION_CHECK_H

#include <stdbool.h>
#include <stddef.h>

/* True when EXPR may be evaluated; false + WHY (what was refused). */
bool address_expression_safe(const char *expr, char *why, size_t whylen);

#endif
