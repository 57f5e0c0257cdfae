/* The command glue that needs no GDB, each property with the case that
 * broke it: option tables (octal, repeats, exclusive options, a value
 * that is an option), the usage line, the address-expression check, files
 * written as root (links, FIFOs, modes, whole or nothing), escaping of
 * untrusted text (UTF-8 kept, controls escaped), the --diff comparison
 * (negative and huge values, thousands of items, long names) and the RSS
 * breakdown's arithmetic on a 5.5 GiB mapping. PASS/FAIL lines.
 *   command-unit DIR    (DIR: a scratch directory) */
#define _GNU_SOURCE
#include "expression_check.h"
#include "inferior_text.h"
#include "options.h"
#include "output_file.h"
#include "render.h"
#include "report_diff.h"
#include "rss_breakdown.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int failures;

static void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(bool ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%s: ", ok ? "PASS" : "FAIL");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    failures += !ok;
}

/* ---- option tables ---------------------------------------------------- */

static const struct option_def test_options[] = {
    { "--free", OPT_FLAG, NULL, 0, 1 },
    { "--used", OPT_FLAG, NULL, 0, 1 },
    { "--limit", OPT_NUMBER, "N", 0, 0 },
    { "--min-size", OPT_SIZE, "N", 0, 0 },
    { "--top", OPT_NUMBER, "N", 100, 0 },
    { "--html", OPT_FILE, "FILE", 0, 0 },
};

static const struct command_def test_def = {
    "test-cmd", "A test.", "[ZONE]", 0, 1, test_options, ARRAY_LEN(test_options),
    COMMON_OUTPUT, "", "Example: test-cmd",
};

static bool parses(const char *args, struct parsed_options *p)
{
    return options_parse(&test_def, args, p);
}

static void options_tests(void)
{
    struct parsed_options p;
    check(parses("--limit 010", &p) && opt_number(&p, "--limit", 0) == 10,
          "options: --limit 010 is decimal ten, not octal eight");
    check(parses("--limit 0x10", &p) && opt_number(&p, "--limit", 0) == 16,
          "options: --limit 0x10 is hex");
    check(!parses("--limit 0x", &p) && !parses("--limit 08x", &p) && !parses("--limit -1", &p),
          "options: 0x with no digits, trailing garbage and a sign are refused");
    check(!parses("--free --used", &p) && strstr(p.error, "cannot go together"),
          "options: --free --used refused (%s)", p.error);
    check(!parses("--json --json", &p) && strstr(p.error, "twice"),
          "options: --json --json refused, not a zone named --json (%s)", p.error);
    check(!parses("--html --json", &p) && strstr(p.error, "not the option --json"),
          "options: --html --json refused, no file named --json (%s)", p.error);
    check(parses("--html ./--json", &p) && strcmp(opt_text(&p, "--html"), "./--json") == 0,
          "options: a file named --json is ./--json");
    check(!parses("--html", &p) && strstr(p.error, "needs a value"),
          "options: --html without its file (%s)", p.error);
    check(!parses("--bogus", &p) && strstr(p.error, "unexpected argument '--bogus'"),
          "options: an unknown option named");
    check(!parses("dogs cats", &p) && strstr(p.error, "unexpected argument 'cats'"),
          "options: one positional more than allowed");
    check(!parses("--top 101", &p) && strstr(p.error, "0..100"),
          "options: --top over its maximum (%s)", p.error);
    check(parses("dogs --min-size 64K --top 5 --json", &p) && p.npositional == 1 &&
              opt_number(&p, "--min-size", 0) == 65536 && opt_number(&p, "--top", 0) == 5 &&
              opt_given(&p, "--json") && !opt_given(&p, "--verbose"),
          "options: a positional, a size, a number and a flag in any order");
    check(parses("--bogus --help", &p) && p.help, "options: --help wins over the rest");
    char usage[256];
    options_usage(&test_def, usage, sizeof usage);
    check(strcmp(usage, "test-cmd [ZONE] [--free|--used] [--limit N] [--min-size N] [--top N] "
                        "[--html FILE] [--json] [--verbose]") == 0,
          "options: usage line from the table (%s)", usage);
    char tiny[8];
    int need = options_usage(&test_def, tiny, sizeof tiny);
    check(need == (int)strlen(usage) && strlen(tiny) == 7, "options: usage cut safely, "
          "length told (%d)", need);
}

/* ---- address expressions -------------------------------------------- */

static void expression_tests(void)
{
    static const char *const good[] = {
        "$sp", "&environ", "*(unsigned long *) 0x7f00", "ngx_cycle->pool", "buf[3] + 16",
        "sizeof(struct foo) * 2", "a == b", "a != b", "a <= b", "x >> 3", "'file.c'::var",
        "(char *) $rsp - 64", "p->next->next",
    };
    static const char *const bad[] = {
        "(long)getpid()", "getpid ()", "((int (*)(void)) 0x1234)()", "x = 1", "x += 1",
        "x <<= 2", "x++", "--x", "\"abc\"", "{1, 2}", "f(1, 2)", "$_gdb_setting(\"width\")",
        "a[0](1)",
    };
    char why[128];
    int ok = 0, refused = 0;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        bool safe = address_expression_safe(good[i], why, sizeof why);
        ok += safe;
        if (!safe)
            printf("  refused %s: %s\n", good[i], why);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bool safe = address_expression_safe(bad[i], why, sizeof why);
        refused += !safe;
        if (safe)
            printf("  accepted %s\n", bad[i]);
    }
    check(ok == (int)(sizeof good / sizeof good[0]), "expressions: %d address expressions "
          "accepted", ok);
    check(refused == (int)(sizeof bad / sizeof bad[0]), "expressions: %d calls, assignments, "
          "increments and literals refused", refused);
}

/* ---- files written as root ------------------------------------------- */

static mode_t mode_of(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 ? st.st_mode & 07777 : 0;
}

static char *slurp(const char *path)
{
    size_t len;
    char why[128];
    return input_file_read(path, 1 << 20, &len, why, sizeof why);
}

static void file_tests(const char *dir)
{
    char victim[512], link[512], fifo[512], fresh[512], why[256];
    snprintf(victim, sizeof victim, "%s/victim", dir);
    snprintf(link, sizeof link, "%s/link", dir);
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    snprintf(fresh, sizeof fresh, "%s/fresh.html", dir);
    unlink(victim), unlink(link), unlink(fifo), unlink(fresh);
    int fd = open(victim, O_CREAT | O_WRONLY, 0600);
    check(fd >= 0 && write(fd, "secret", 6) == 6 && close(fd) == 0, "files: victim made");
    check(symlink(victim, link) == 0, "files: a link planted to it");
    struct output_file f;
    bool opened = output_file_open(&f, link, 0644, why, sizeof why);
    output_file_release(&f);
    char *text = slurp(victim);
    check(!opened && strstr(why, "symbolic link") && text && strcmp(text, "secret") == 0,
          "files: a symbolic link is never followed, its target untouched (%s)", why);
    free(text);

    check(mkfifo(fifo, 0600) == 0, "files: a FIFO made");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    opened = output_file_open(&f, fifo, 0644, why, sizeof why);
    output_file_release(&f);
    size_t len;
    char rwhy[128];
    char *in = input_file_read(fifo, 1 << 20, &len, rwhy, sizeof rwhy);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    check(!opened && !in && s < 1.0 && strstr(why, "FIFO") && strstr(rwhy, "regular"),
          "files: a FIFO is refused at once, to write and to read (%.3f s: %s; %s)", s, why,
          rwhy);

    mode_t old = umask(077);
    bool wrote = output_file_open(&f, fresh, 0644, why, sizeof why) &&
                 access(fresh, F_OK) != 0 &&   /* nothing there before the commit */
                 output_file_commit(&f, "<html>", 6, why, sizeof why);
    output_file_release(&f);
    umask(old);
    check(wrote && mode_of(fresh) == 0644, "files: a new page is 0644 whatever the umask (%o)",
          mode_of(fresh));
    wrote = output_file_open(&f, fresh, 0600, why, sizeof why) &&
            output_file_commit(&f, "{}", 2, why, sizeof why);
    output_file_release(&f);
    text = slurp(fresh);
    check(wrote && mode_of(fresh) == 0600 && text && strcmp(text, "{}") == 0,
          "files: replaced whole, mode 0600 for a saved report");
    free(text);
    /* an abandoned file leaves nothing behind */
    opened = output_file_open(&f, fresh, 0644, why, sizeof why);
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s", f.tmp ? f.tmp : "");
    output_file_release(&f);
    text = slurp(fresh);
    check(opened && access(tmp, F_OK) != 0 && text && strcmp(text, "{}") == 0,
          "files: an output never committed leaves the old file and no temporary");
    free(text);
    unlink(victim), unlink(link), unlink(fifo), unlink(fresh);
}

/* ---- untrusted text -------------------------------------------------- */

static void text_tests(void)
{
    static char buf[TEXT_OUT];
    struct inferior_text t;
    inferior_text_literal(&t, "caf\xc3\xa9 \xe6\x97\xa5");
    check(strcmp(text_json(&t, buf), "caf\xc3\xa9 \xe6\x97\xa5") == 0,
          "text: valid UTF-8 stays UTF-8 in JSON");
    inferior_text_literal(&t, "a\x1b[31mb\x07");
    check(strcmp(text_json(&t, buf), "a\\u001b[31mb\\u0007") == 0 &&
              strcmp(text_terminal(&t, buf), "a\\x1b[31mb\\x07") == 0,
          "text: ESC and BEL escaped for JSON and the terminal");
    inferior_text_literal(&t, "x\xc2\x9b" "y\xe2\x80\xae" "z\xff\xc0\xaf");
    check(strcmp(text_json(&t, buf), "x\\u009by\\u202ez\\u00ff\\u00c0\\u00af") == 0,
          "text: C1 control, bidi override, invalid and overlong bytes escaped (%s)", buf);
    text_terminal_utf8(true);
    inferior_text_literal(&t, "caf\xc3\xa9\xc2\x9b");
    bool utf8 = strcmp(text_terminal(&t, buf), "caf\xc3\xa9\\xc2\\x9b") == 0;
    text_terminal_utf8(false);
    check(utf8 && strcmp(text_terminal(&t, buf), "caf\\xc3\\xa9\\xc2\\x9b") == 0,
          "text: a UTF-8 terminal shows UTF-8, an ASCII one \\xNN; C1 escaped in both");
    char name[100];
    memset(name, 'z', sizeof name);
    inferior_text_set(&t, name, 80);
    check(t.len == 80 && !t.truncated && strlen(text_json(&t, buf)) == 80,
          "text: an 80-byte zone name is kept whole");
    char safe[64];
    check(strcmp(text_safe("/tmp/\x1b]0;x\x07.core", safe, sizeof safe),
                 "/tmp/\\x1b]0;x\\x07.core") == 0, "text: a path's ESC and BEL escaped");
    OUT_BUF o = { 0 };
    json_string(&o, "\xce\xbb \"q\" \x01");
    check(o.len == strlen("\"\xce\xbb \\\"q\\\" \\u0001\"") &&
              memcmp(o.s, "\"\xce\xbb \\\"q\\\" \\u0001\"", o.len) == 0,
          "text: our own strings in JSON: UTF-8 kept, quotes and controls escaped");
}

/* ---- --diff ---------------------------------------------------------- */

static bool write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    return f && fputs(text, f) >= 0 && fclose(f) == 0;
}

/* The row of the "changes" table whose item is NAME, or NULL. */
static const struct value *change_of(const struct result *r, const char *name)
{
    for (size_t b = 0; b < r->nblocks; b++) {
        const struct block *blk = &r->blocks[b];
        if (blk->kind != BLOCK_TABLE || strcmp(blk->key, "changes") != 0)
            continue;
        for (size_t i = 0; i < blk->nrows; i++) {
            const struct value *row = block_row(blk, i);
            if (row[0].t->len == strlen(name) && memcmp(row[0].t->bytes, name, row[0].t->len) == 0)
                return row;
        }
    }
    return NULL;
}

static size_t changes_rows(const struct result *r)
{
    for (size_t b = 0; b < r->nblocks; b++)
        if (r->blocks[b].kind == BLOCK_TABLE && strcmp(r->blocks[b].key, "changes") == 0)
            return r->blocks[b].nrows;
    return 0;
}

static void diff_tests(const char *dir)
{
    char old[512], err[512];
    snprintf(old, sizeof old, "%s/old.json", dir);
    write_file(old, "{\"command\":\"ngx-report\",\"schema\":1,\"heap\":{\"free_bytes\":"
                    "-9223372036854775808,\"in_use_bytes\":9223372036854775807}}");
    struct report_items *was = report_diff_load(old, err, sizeof err);
    const char now[] = "{\"command\":\"ngx-report\",\"schema\":1,\"heap\":{\"free_bytes\":5,"
                       "\"in_use_bytes\":0}}";
    RESULT(r);
    result_init(&r, "ngx-report");
    bool ok = was && report_diff(&r, was, old, now, sizeof now - 1, err, sizeof err);
    const struct value *in_use = change_of(&r, "heap in_use_bytes");
    const struct value *freed = change_of(&r, "heap free_bytes");
    check(ok && in_use && in_use[4].i == -INT64_MAX && in_use[3].s[0] == '-' && freed &&
              freed[1].kind == VAL_NONE && r.nwarnings == 1,
          "diff: 2^63-1 to 0 is a fall; a saved -2^63 is refused, said, not compared");
    report_diff_free(was);

    /* 6,000 zones with 80-byte names sharing their first 64 bytes */
    size_t cap = 6000 * 160 + 256;
    char *big = malloc(cap), *cur = malloc(cap);
    size_t n = (size_t)snprintf(big, cap, "{\"command\":\"ngx-report\",\"schema\":1,\"zones\":[");
    size_t m = (size_t)snprintf(cur, cap, "%s", big);
    for (int i = 0; i < 6000; i++) {
        n += (size_t)snprintf(big + n, cap - n, "%s{\"name\":\"%064d%016d\",\"loaded_bytes\":%d}",
                              i ? "," : "", 0, i, i);
        m += (size_t)snprintf(cur + m, cap - m, "%s{\"name\":\"%064d%016d\",\"loaded_bytes\":%d}",
                              i ? "," : "", 0, i, i + (i % 2));
    }
    snprintf(big + n, cap - n, "]}");
    m += (size_t)snprintf(cur + m, cap - m, "]}");
    write_file(old, big);
    was = report_diff_load(old, err, sizeof err);
    RESULT(r2);
    result_init(&r2, "ngx-report");
    ok = was && report_diff(&r2, was, old, cur, m, err, sizeof err);
    check(ok && changes_rows(&r2) == 3000, "diff: 6,000 items with long names, none dropped, "
          "none collide: 3,000 changed (%zu)", changes_rows(&r2));
    report_diff_free(was);
    free(big);
    free(cur);

    write_file(old, "{\"command\": \x1b]0;pwned\x07");
    was = report_diff_load(old, err, sizeof err);
    check(!was && !strchr(err, '\x1b') && !strchr(err, '\x07') && strstr(err, "not JSON"),
          "diff: jansson's quote of a hostile file is escaped (%s)", err);
    unlink(old);
}

/* ---- the RSS breakdown's arithmetic -------------------------------- */

static void rss_tests(void)
{
    struct rss_breakdown b;
    memset(&b, 0, sizeof b);
    b.page_size = 4096;
    uint64_t size = 5632ull << 20;   /* 5.5 GiB, all of it private */
    struct smaps_mapping heap = { .start = 0x10000000, .end = 0x10000000 + size,
                                  .perms = "rw-p", .path = "[heap]", .rss = size, .pss = size,
                                  .private_bytes = size };
    smaps_add(&b.smaps, &heap);
    b.rollup_rss = b.rollup_pss = size;
    b.rollup_ok = true;
    rss_breakdown_finish(&b);
    const struct rss_part *p = &b.parts[RSS_GLIBC_IN_USE];
    check(p->rss == size && p->pss == size && p->private_bytes == size,
          "rss: a 5.5 GiB heap's PSS and private bytes are its RSS (no 64-bit overflow: "
          "%llu of %llu)", (unsigned long long)p->pss, (unsigned long long)size);
    rss_breakdown_release(&b);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    setenv("NGXMEM_OPTIONS_STRICT", "1", 1);
    options_tests();
    expression_tests();
    file_tests(dir);
    text_tests();
    diff_tests(dir);
    rss_tests();
    return failures != 0;
}
