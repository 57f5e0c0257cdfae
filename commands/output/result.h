/* The result of one command: what it found, as typed values, before any
 * rendering. Commands fill one; renderers (text, JSON, HTML) write it. A
 * result is a list of blocks -- facts (name/value lines), tables (typed
 * columns) and cell maps (the heap map) -- plus warnings and notes.
 *
 * Every string a result holds is its own copy. Text read from the
 * inferior is kept as struct inferior_text and escaped by each renderer
 * for its medium; our own strings go through the same JSON encoder. A
 * result never prints: nothing reaches stdout until it is complete. */
#ifndef NGXMEM_RESULT_H
#define NGXMEM_RESULT_H

#include "inferior_text.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a value is; each renderer has one way to write each kind. */
enum value_kind {
    VAL_NONE,       /* unknown: JSON null, text "-" */
    VAL_BYTES,      /* JSON integer; text "1.50 MiB" */
    VAL_COUNT,      /* JSON integer; text "1,234,567" */
    VAL_INT,        /* an index or a signed number: JSON integer; text "-3" */
    VAL_ADDRESS,    /* JSON "0x7f..."; text 0x7f... */
    VAL_PERCENT,    /* JSON number; text "12.3%" */
    VAL_ID,         /* an identifier (enum value): JSON "brk_heap"; text "brk heap" */
    VAL_TEXT,       /* our own words */
    VAL_INFERIOR,   /* bytes from the inferior: escaped for every medium */
    VAL_BOOL,       /* JSON true/false; text yes/no */
    VAL_MS,         /* a duration: JSON number of milliseconds; text "12.3 ms" */
    VAL_ADDRESSES,  /* a few addresses: JSON ["0x7f...", ...]; text 0x7f..., 0x7f... */
};

/* Inferior text as a result keeps it: as long as it is. */
struct owned_text {
    uint16_t len;
    bool truncated;
    char bytes[];
};

/* Addresses a result keeps (val_addresses). */
enum { VALUE_ADDRESSES_MAX = 8 };
struct owned_addresses {
    int n;
    uint64_t a[VALUE_ADDRESSES_MAX];
};

struct value {
    enum value_kind kind;
    union {
        uint64_t u;
        int64_t i;
        double pct;   /* VAL_PERCENT, VAL_MS */
        bool b;
        const char *s;                   /* VAL_ID (static), VAL_TEXT (owned) */
        const struct owned_text *t;      /* VAL_INFERIOR */
        const struct owned_addresses *addrs;   /* VAL_ADDRESSES */
    };
};

static inline struct value val_none(void) { return (struct value){ .kind = VAL_NONE }; }
static inline struct value val_bytes(uint64_t n) { return (struct value){ .kind = VAL_BYTES, .u = n }; }
static inline struct value val_count(uint64_t n) { return (struct value){ .kind = VAL_COUNT, .u = n }; }
static inline struct value val_int(int64_t n) { return (struct value){ .kind = VAL_INT, .i = n }; }
static inline struct value val_address(uint64_t a) { return (struct value){ .kind = VAL_ADDRESS, .u = a }; }
static inline struct value val_ms(double ms) { return (struct value){ .kind = VAL_MS, .pct = ms }; }
static inline struct value val_bool(bool b) { return (struct value){ .kind = VAL_BOOL, .b = b }; }
/* ID must be a string literal: snake_case, the same everywhere. */
static inline struct value val_id(const char *id) { return (struct value){ .kind = VAL_ID, .s = id }; }
/* PART of WHOLE, 0 when WHOLE is 0. */
struct value val_percent(uint64_t part, uint64_t whole);

#define ARRAY_LEN(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* BLOCK_PARAGRAPHS: prose with an identifier each (facts whose key is
 * the identifier and whose value is the text), e.g. suggestions. */
enum block_kind { BLOCK_FACTS, BLOCK_TABLE, BLOCK_MAP, BLOCK_PARAGRAPHS };

struct fact {
    const char *key;      /* JSON name (snake_case, literal) */
    const char *label;    /* text label (literal) */
    struct value v;
    const char *detail;   /* text only: what the figure means (owned), or NULL */
};

enum { TABLE_MAX_COLUMNS = 16 };

/* A column both renderers show, or one kept to one of them (a text
 * range "[64 B, 128 B)" is two numbers in JSON). */
enum column_medium { IN_BOTH, TEXT_ONLY, JSON_ONLY };

struct column {
    const char *key;      /* JSON name */
    const char *title;    /* text header */
    enum value_kind kind;
    /* 0: always shown; otherwise shown only if the table fits the width,
     * the highest number hidden first. */
    int hide_order;
    enum column_medium medium;
};

/* How the HTML renderer draws a table (text and JSON ignore it):
 * CHART_BARS: a bar per row, VALUE against the largest; CHART_SHARES: one
 * bar split by the rows' VALUE; CHART_FILL: a bar per row, VALUE filled of
 * WHOLE. LABEL names each row. */
/* STACKED: rows grouped by the WHOLE column's value (a time), one bar per
 * group split by the LABEL column's parts, each part its own colour */
enum chart_kind { CHART_NONE, CHART_BARS, CHART_SHARES, CHART_FILL, CHART_STACKED };

struct chart {
    enum chart_kind kind;
    int label, value, whole;     /* column indexes */
};

struct block {
    enum block_kind kind;
    struct chart chart;
    const char *key;      /* JSON name; NULL: facts go to the top level */
    const char *title;    /* text heading, or NULL */
    bool verbose;         /* text shows it only with --verbose */
    bool lead;            /* HTML draws it first: the answer before the detail */
    bool html_only;       /* a page's own (its headline): not in text or JSON */
    /* facts, and a map's own fields */
    struct fact *facts;
    size_t nfacts, facts_cap;
    /* table */
    struct column cols[TABLE_MAX_COLUMNS];
    int ncols;
    struct value *cells;  /* the first rows (all unless spilled) */
    size_t nrows, cells_cap;
    bool has_total;
    struct value total[TABLE_MAX_COLUMNS];
    struct row_spill *spill;   /* rows past ROW_SPILL_AFTER, in a temporary file */
    /* map: one character per cell of CELL bytes from START */
    uint64_t map_start, map_cell;
    char *map;
    size_t map_len;
    const char *map_end_mark;   /* shown after the last row ("> brk"), or NULL */
};

struct result {
    const char *command;
    bool verbose;              /* --verbose: text shows verbose blocks */
    struct block *blocks;
    size_t nblocks, blocks_cap;
    char **warnings, **notes;
    size_t nwarnings, warnings_cap, nnotes, notes_cap;
    /* every owned string and inferior_text, freed together */
    void **owned;
    size_t nowned, owned_cap;
    /* the target, filled by the command glue */
    int target_pid;            /* 0: not a live process */
    char *target_core;         /* core file path, or NULL */
    char *target_executable;   /* or NULL */
    const char *legend;        /* maps: what each character means (literal) */
    char *title;               /* HTML: what the page is of (owned), or NULL */
    bool out_of_memory;
    /* called every few thousand rows while rendering: the glue polls for
     * Ctrl-C there (it may not return) */
    void (*poll)(void);
};

void result_init(struct result *r, const char *command);
/* The page's title (HTML): printf-formatted. */
void result_title(struct result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void result_release(struct result *r);
#define RESULT(name) struct result name __attribute__((cleanup(result_release))) = { 0 }

/* Owned copies. Out of memory anywhere: the result stays valid, what did
 * not fit is left out, and out_of_memory is set (the glue then fails). */
/* The first VALUE_ADDRESSES_MAX of A[0..N), kept by R. */
struct value val_addresses(struct result *r, const uint64_t *a, int n);
struct value val_text(struct result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
struct value val_inferior(struct result *r, const struct inferior_text *t);

/* A new block; the pointer stays valid until the next result_* call. */
struct block *result_facts(struct result *r, const char *key, const char *title);
struct block *result_table(struct result *r, const char *key, const char *title,
                           const struct column *cols, int ncols);
struct block *result_map(struct result *r, const char *key, const char *title);
struct block *result_paragraphs(struct result *r, const char *key, const char *title);
/* The last table's chart (HTML). */
void result_chart(struct result *r, enum chart_kind kind, int label, int value, int whole);
/* A paragraph ID (a literal identifier) to the last paragraphs block. */
void result_paragraph(struct result *r, const char *id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Facts go to the last block (facts or map); DETAIL: printf format or NULL. */
void result_fact(struct result *r, const char *key, const char *label, struct value v,
                 const char *detail, ...) __attribute__((format(printf, 5, 6)));

/* A row (ncols values) to the last table; the total row goes last. */
void result_row(struct result *r, const struct value *row);
void result_total(struct result *r, const struct value *row);

/* The last map's cells (copied). */
void result_map_cells(struct result *r, uint64_t start, uint64_t cell, const char *cells,
                      size_t n);

void result_warning(struct result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void result_note(struct result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A table keeps ROW_SPILL_AFTER rows in memory and writes the rest to a
 * temporary file, read back in order by the renderers: a listing of
 * millions of chunks costs GDB disk, not memory. */
enum { ROW_SPILL_AFTER = 16384 };

/* Row I of table B (I == nrows: its total row). Valid until the next call;
 * renderers read rows in order, each pass once. */
const struct value *block_row(const struct block *b, size_t i);

#endif
