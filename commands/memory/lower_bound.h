/* Binary search over anything sorted. */
#ifndef NGXMEM_LOWER_BOUND_H
#define NGXMEM_LOWER_BOUND_H

#include <stddef.h>

/* The first index I in [0, N) for which the condition COND (an expression
 * of I, false then true as I grows) holds; N if none. */
#define FIRST_WHERE(n, i, cond)                                         \
    __extension__({                                                     \
        size_t fw_lo_ = 0, fw_hi_ = (size_t)(n);                        \
        while (fw_lo_ < fw_hi_) {                                       \
            size_t i = fw_lo_ + (fw_hi_ - fw_lo_) / 2;                  \
            if (cond)                                                   \
                fw_hi_ = i;                                             \
            else                                                        \
                fw_lo_ = i + 1;                                         \
        }                                                               \
        fw_lo_;                                                         \
    })

/* Index of the first of ARR[0..N) whose FIELD is >= KEY (N if none); ARR
 * sorted by FIELD. */
#define LOWER_BOUND(arr, n, field, key) FIRST_WHERE(n, lb_i_, (arr)[lb_i_].field >= (key))

#endif
