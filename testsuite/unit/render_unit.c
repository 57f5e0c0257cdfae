/* The renderers on their own, without GDB: a result shaped like the
 * widest commands' (long prose, a wide table with optional and text
 * columns, a heap map with an end mark, a verbose block) rendered at every
 * width from 60 to 240 columns and unlimited. Prints a PASS/FAIL line per
 * property (a width 0 is "unlimited").
 *   render-unit */
#include "render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One line per property, over every width it was checked at. */
static struct property {
    const char *what;
    int checked, failed, first_failed_width;
} properties[16];
static int nproperties, failures;

static void check(bool ok, const char *what, int width)
{
    struct property *p = properties;
    while (p < properties + nproperties && strcmp(p->what, what) != 0)
        p++;
    if (p == properties + nproperties) {
        if (nproperties == ARRAY_LEN(properties))
            abort();
        *p = (struct property){ what, 0, 0, 0 };
        nproperties++;
    }
    p->checked++;
    if (!ok && !p->failed++)
        p->first_failed_width = width;
    failures += !ok;
}

static void report(void)
{
    for (const struct property *p = properties; p < properties + nproperties; p++) {
        if (p->failed)
            printf("FAIL: %s (%d of %d widths, first %d)\n", p->what, p->failed,
                   p->checked, p->first_failed_width);
        else
            printf("PASS: %s (%d width%s)\n", p->what, p->checked,
                   p->checked == 1 ? "" : "s");
    }
}

static const struct column columns[] = {
    { "from_bytes", "from", VAL_BYTES, 0, JSON_ONLY },
    { "to_bytes", "to", VAL_BYTES, 0, JSON_ONLY },
    { "range", "size range", VAL_TEXT, 0, TEXT_ONLY },
    { "class", "class", VAL_ID, 0, IN_BOTH },
    { "chunk_count", "chunks", VAL_COUNT, 0, IN_BOTH },
    { "bytes", "bytes", VAL_BYTES, 0, IN_BOTH },
    { "free_percent", "% of free", VAL_PERCENT, 2, IN_BOTH },
    { "largest_bytes", "largest", VAL_BYTES, 1, IN_BOTH },
    { "address", "lowest address", VAL_ADDRESS, 3, IN_BOTH },
    { "owner", "owner", VAL_INFERIOR, 0, IN_BOTH },
};

/* A total that must survive every width whole: numbers never shorten. */
enum { TOTAL_BYTES = 1234567890, ROWS = 40, MAP_CELLS = 3000 };

static void build(struct result *r)
{
    result_init(r, "render-unit");
    result_facts(r, NULL, NULL);
    result_fact(r, "heap_bytes", "heap", val_bytes(987654321), "%s",
                "the bytes of every heap segment of every arena, counted once, "
                "including the top chunk and the fenceposts of thread heaps");
    result_fact(r, "arena_count", "arenas", val_count(3), NULL);
    struct block *v = result_facts(r, "glibc", "glibc");
    v->verbose = true;
    result_fact(r, "tcache_key", "tcache key", val_address(0x174696424bf28226ull), NULL);
    result_table(r, "buckets", "free chunks by size", columns, ARRAY_LEN(columns));
    for (int i = 0; i < ROWS; i++) {
        struct inferior_text owner;
        char name[80];
        snprintf(name, sizeof name, i == 7 ? "<x>&\"zone" : "ngx_http_lua_module_zone_with_a_long_name_%02d", i);
        inferior_text_set(&owner, name, strlen(name));
        struct value row[] = {
            val_bytes(16ull << (i % 20)), val_bytes(32ull << (i % 20)),
            val_text(r, "[%d B, %d B)", 16 << (i % 20), 32 << (i % 20)),
            val_id(i % 2 ? "small_bin" : "tcache"), val_count(100000 + (uint64_t)i),
            val_bytes(1000000ull * (uint64_t)i), val_percent((uint64_t)i, ROWS),
            val_bytes(4096ull * (uint64_t)i), val_address(0x55bcb3424000ull + (uint64_t)i),
            val_inferior(r, &owner),
        };
        result_row(r, row);
    }
    struct value total[] = { val_none(), val_none(), val_text(r, "total"), val_none(),
                             val_count(4000000), val_bytes(TOTAL_BYTES), val_none(),
                             val_none(), val_none(), val_none() };
    result_total(r, total);
    char cells[MAP_CELLS];
    for (int i = 0; i < MAP_CELLS; i++)
        cells[i] = "#.ft_"[i % 5];
    struct block *m = result_map(r, "segments", "brk heap, 4096 B per cell");
    m->map_end_mark = "> brk";
    result_map_cells(r, 0x55bcb3424000ull, 4096, cells, MAP_CELLS);
    result_paragraphs(r, "suggestions", "Suggestions:");
    result_paragraph(r, "first_advice", "%s", "GLIBC_TUNABLES=glibc.malloc.mmap_threshold=16384 "
                     "in nginx's environment keeps the cycle pool's blocks off the heap, so a "
                     "reload leaves no holes behind it");
    result_warning(r, "%s", "the slab pool's statistics disagree with its pages: the "
                            "pool was changing while it was read, or its metadata is "
                            "corrupt; the page classification is shown as read");
    result_note(r, "%s", "a_word_longer_than_any_terminal_line_"
                         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa "
                         "and then ordinary words after it");
}

static size_t longest_line(const char *s, size_t len)
{
    size_t longest = 0, col = 0;
    for (size_t i = 0; i < len; i++) {
        col = s[i] == '\n' ? 0 : col + 1;
        longest = col > longest ? col : longest;
    }
    return longest;
}

/* S with every line break and the indent after it made one space. */
static char *unwrapped(const char *s)
{
    char *out = malloc(strlen(s) + 1), *d = out;
    for (; out && *s; s++) {
        if (*s != '\n') {
            *d++ = *s;
            continue;
        }
        *d++ = ' ';
        while (s[1] == ' ')
            s++;
    }
    if (out)
        *d = '\0';
    return out;
}

static size_t map_cells_shown(const char *s)
{
    size_t n = 0;
    for (const char *line = strstr(s, "\n  0x"); line; line = strstr(line + 1, "\n  0x")) {
        const char *c = strchr(line + 3, ' ') + 1;
        n += strspn(c, "#.ft_");
    }
    return n;
}

static void text_at(const struct result *r, int width)
{
    struct out_buf o = { 0 };
    render_text(r, width, &o);
    if (width > 0)
        check(longest_line(o.s, o.len) <= (size_t)width, "every line fits", width);
    check(strstr(o.s, "1.15 GiB") != NULL, "the total row's bytes whole", width);
    check(map_cells_shown(o.s) == MAP_CELLS, "every map cell shown once", width);
    check(strstr(o.s, "> brk") != NULL, "the map's end mark shown", width);
    check(strstr(o.s, "tcache key") == NULL, "verbose block hidden without --verbose", width);
    char *joined = unwrapped(o.s);
    check(joined && strstr(joined, "and then ordinary words after it") &&
              strstr(joined, "it was read, or its metadata is corrupt; the page") &&
              strstr(joined, "- GLIBC_TUNABLES=glibc.malloc.mmap_threshold=16384 in nginx's "
                             "environment keeps the cycle pool's blocks off the heap, so a "
                             "reload leaves no holes behind it"),
          "prose kept whole through wrapping", width);
    free(joined);
    check(!strstr(o.s, " \n"), "no line ends in a space", width);
    bool hidden = strstr(o.s, "not shown at this width") != NULL;
    const char *header = strstr(o.s, "size range");
    const char *header_end = header ? strchr(header, '\n') : NULL;
    const char *last = header ? strstr(header, "owner") : NULL;
    bool all_columns = last && last < header_end;
    for (int c = 0; c < ARRAY_LEN(columns) && all_columns; c++) {
        const char *t = columns[c].medium == JSON_ONLY ? NULL : strstr(header, columns[c].title);
        all_columns = columns[c].medium == JSON_ONLY || (t && t < header_end);
    }
    check(hidden != all_columns, "hidden columns said, and only then", width);
    out_release(&o);
}

/* A table longer than ROW_SPILL_AFTER: the rows past it live in a
 * temporary file; every renderer reads them all back, in order. */
static void spilled_table(void)
{
    static const struct column cols[] = {
        { "n", "n", VAL_COUNT, 0, IN_BOTH },
        { "address", "address", VAL_ADDRESS, 0, IN_BOTH },
    };
    RESULT(r);
    result_init(&r, "glibc-chunks");
    result_table(&r, "chunks", NULL, cols, ARRAY_LEN(cols));
    size_t n = ROW_SPILL_AFTER + 3 * 4096 + 17;
    for (size_t i = 0; i < n; i++) {
        struct value row[] = { val_count(i), val_address(0x1000 + 16 * i) };
        result_row(&r, row);
    }
    struct value total[] = { val_count(n), val_none() };
    result_total(&r, total);
    struct out_buf j = { 0 };
    render_json(&r, &j);
    char last[64];
    snprintf(last, sizeof last, "{\"n\":%zu,\"address\":\"0x%zx\"}]", n - 1,
             (size_t)0x1000 + 16 * (n - 1));
    size_t rows = 0;
    for (const char *p = j.s; (p = strstr(p, "{\"n\":")); p++)
        rows++;
    check(!r.out_of_memory && rows == n + 1 && strstr(j.s, last) != NULL,   /* + total */
          "a spilled table's rows all come back, in order (JSON)", 0);
    out_release(&j);
    struct out_buf t = { 0 };
    render_text(&r, 0, &t);
    size_t lines = 0;
    for (const char *p = t.s; p && (p = strchr(p, '\n')); p++)
        lines++;
    snprintf(last, sizeof last, "0x%zx", (size_t)0x1000 + 16 * (n - 1));
    check(lines >= n + 2 && strstr(t.s, last) != NULL,
          "a spilled table's rows all come back, in order (text)", 0);
    out_release(&t);
}

int main(void)
{
    spilled_table();
    RESULT(r);
    build(&r);
    if (getenv("RENDER_UNIT_SHOW")) {
        struct out_buf s = { 0 };
        render_text(&r, atoi(getenv("RENDER_UNIT_SHOW")), &s);
        fwrite(s.s, 1, s.len, stdout);
        out_release(&s);
        return 0;
    }
    text_at(&r, 0);
    for (int width = 60; width <= 240; width++)
        text_at(&r, width);
    r.verbose = true;
    struct out_buf o = { 0 };
    render_text(&r, 80, &o);
    check(strstr(o.s, "tcache key") != NULL, "verbose block shown with --verbose", 80);
    out_release(&o);
    struct out_buf j = { 0 };
    render_json(&r, &j);
    check(j.len && strchr(j.s, '\n') == j.s + j.len - 1, "JSON is one line", 0);
    check(strstr(j.s, "\"suggestions\":[{\"id\":\"first_advice\",\"text\":\"GLIBC_") != NULL,
          "JSON has paragraphs as {id, text}", 0);
    check(strstr(j.s, "\"from_bytes\":16,\"to_bytes\":32") != NULL &&
              strstr(j.s, "\"range\"") == NULL,
          "JSON has the range as numbers, not the text column", 0);
    out_release(&j);
    struct out_buf h = { 0 };
    render_html(&r, &h);
    check(h.len && strstr(h.s, "&lt;x&gt;&amp;&quot;zone") && !strstr(h.s, "<x>"),
          "HTML escapes text from the inferior", 0);
    check(h.len && strstr(h.s, "<section id=\"suggestions\">") &&
              strstr(h.s, "<li>GLIBC_TUNABLES=") && strstr(h.s, "<svg class=\"map\"") &&
              strstr(h.s, "</html>"),
          "HTML has every block: facts, table, map, paragraphs", 0);
    out_release(&h);
    report();
    return failures != 0;
}
