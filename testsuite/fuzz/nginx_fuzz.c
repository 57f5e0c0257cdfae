/* libFuzzer target: the nginx analyses (layout probe, pool walk, zones,
 * slab classifier, shdict walk) on a hostile memory image. They may fail
 * with a message; they must not crash, hang or read outside the image.
 * Seeds: real nginx processes (nginx-snapshot). */
#include "mem_reader.h"
#include "nginx_run.h"

void fuzz_analyse(const struct mem_reader *r);

void fuzz_analyse(const struct mem_reader *r)
{
    nginx_run_all(r);
}
