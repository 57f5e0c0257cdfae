/* The libFuzzer entry of every target: the input is a memory image
 * (fuzz_image.h); each target's fuzz_analyse() runs its analyses on it. */
#include "fuzz_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
void fuzz_analyse(const struct mem_reader *r);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_image img;
    if (!fuzz_image_parse(&img, data, size))
        return 0;
    struct mem_reader r = image_reader(&img.image);
    fuzz_analyse(&r);
    return 0;
}
