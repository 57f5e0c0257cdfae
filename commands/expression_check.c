#include "expression_check.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static bool word_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '$';
}

/* Operators that look like calls but read nothing of the process. */
static bool keyword_before_paren(const char *w, size_t n)
{
    static const char *const ok[] = { "sizeof", "alignof", "_Alignof", "__alignof__" };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (strlen(ok[i]) == n && strncmp(w, ok[i], n) == 0)
            return true;
    return false;
}

static bool refuse(char *why, size_t whylen, const char *what)
{
    snprintf(why, whylen, "%s", what);
    return false;
}

bool address_expression_safe(const char *e, char *why, size_t whylen)
{
    /* the last token: 'w' a word (its start in word, length wlen), ')' or
     * ']' a closed group, 0 anything else */
    char last = 0;
    const char *word = NULL;
    size_t wlen = 0;
    for (size_t i = 0; e[i];) {
        char c = e[i];
        if (isspace((unsigned char)c)) {
            i++;
            continue;
        }
        if (word_char(c)) {
            word = e + i;
            while (word_char(e[i]))
                i++;
            wlen = (size_t)(e + i - word);
            last = 'w';
            continue;
        }
        if (c == '(' && (last == ')' || last == ']' || (last == 'w' &&
                                                         !keyword_before_paren(word, wlen))))
            return refuse(why, whylen, "a function call");
        if (c == '"' || c == '{' || c == '}')
            return refuse(why, whylen, "a literal GDB would place in the process's memory");
        if (c == ',')
            return refuse(why, whylen, "a comma (lists and calls)");
        if ((c == '+' || c == '-') && e[i + 1] == c)
            return refuse(why, whylen, "++ or -- (writes)");
        if (c == '=') {
            char before = i ? e[i - 1] : 0;
            bool compare = e[i + 1] == '=' ||
                           ((before == '!' || before == '<' || before == '>' || before == '=') &&
                            !(i >= 2 && (e[i - 2] == '<' || e[i - 2] == '>') &&
                              e[i - 2] == before));
            if (!compare)
                return refuse(why, whylen, "an assignment");
            i += e[i + 1] == '=' ? 2 : 1;
            last = 0;
            continue;
        }
        last = c == ')' || c == ']' ? c : 0;
        i++;
    }
    return true;
}
