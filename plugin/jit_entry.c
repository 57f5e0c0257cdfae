/* GDB loads us as a JIT debug-info reader (jit-reader-load): its only
 * native hook for shared objects. The reader itself declines everything;
 * the point is the constructor-free entry point gdb_init_reader. */
#include "host.h"
#include "ngxmem.h"

#include <gdb/jit-reader.h>
#include <stddef.h>

#if GDB_READER_INTERFACE_VERSION != 1
#error "ngxmem was written for GDB's JIT reader interface version 1"
#endif

/* The only two symbols GDB looks up (see plugin/exports.map). */
#pragma GCC visibility push(default)
GDB_DECLARE_GPL_COMPATIBLE_READER
struct gdb_reader_funcs *gdb_init_reader(void);
#pragma GCC visibility pop

static enum gdb_status reader_read(struct gdb_reader_funcs *self,
                                   struct gdb_symbol_callbacks *cb,
                                   void *memory, long memory_sz)
{
    (void)self; (void)cb; (void)memory; (void)memory_sz;
    return GDB_FAIL;  /* GDB falls back to its own in-memory ELF reader */
}

/* Called on every frame sniff while we are loaded: decline at once. */
static enum gdb_status reader_unwind(struct gdb_reader_funcs *self,
                                     struct gdb_unwind_callbacks *cb)
{
    (void)self; (void)cb;
    return GDB_FAIL;
}

static struct gdb_frame_id reader_frame_id(struct gdb_reader_funcs *self,
                                           struct gdb_unwind_callbacks *cb)
{
    (void)self; (void)cb;
    struct gdb_frame_id id = { 0, 0 };
    return id;
}

/* $_ngxmem_loaded tells gdbinit whether to load us: sourcing it twice
 * then does nothing (GDB would refuse a second JIT reader with an error,
 * which stops a -batch script). */
static void mark_loaded(int loaded)
{
    char err[128];
    uint64_t v;
    if (host.ready)
        ngxmem_try_eval_address(loaded ? "$_ngxmem_loaded = 1" : "$_ngxmem_loaded = 0", &v, err,
                                sizeof err);
}

/* jit-reader-unload: GDB then dlclose()s us, but we are linked
 * -z nodelete, so registered commands keep pointing at mapped code. */
static void reader_destroy(struct gdb_reader_funcs *self)
{
    (void)self;
    host.reader_unloaded = true;
    mark_loaded(0);
}

static struct gdb_reader_funcs reader_funcs = {
    .reader_version = GDB_READER_INTERFACE_VERSION,
    .priv_data = NULL,
    .read = reader_read,
    .unwind = reader_unwind,
    .get_frame_id = reader_frame_id,
    .destroy = reader_destroy,
};

struct gdb_reader_funcs *gdb_init_reader(void)
{
    host.loads++;
    host.reader_unloaded = false;
    if (!host.initialized) {
        host.initialized = true;
        host_init();
    }
    mark_loaded(1);
    return &reader_funcs;
}
