/* Binary search over a sorted array of any element type. */
#ifndef NGXMEM_LOWER_BOUND_H
#define NGXMEM_LOWER_BOUND_H

#include <stddef.h>

/* Index of the first of ARR[0..N) whose FIELD is >= KEY (N if none); ARR
 * sorted by FIELD. */
#define LOWER_BOUND(arr, n, field, key)                                 \
    __extension__({                                                     \
        size_t lb_lo_ = 0, lb_hi_ = (n);                                \
        while (lb_lo_ < lb_hi_) {                                       \
            size_t lb_mid_ = lb_lo_ + (lb_hi_ - lb_lo_) / 2;            \
            if ((arr)[lb_mid_].field < (key))                           \
                lb_lo_ = lb_mid_ + 1;                                   \
            else                                                        \
                lb_hi_ = lb_mid_;                                       \
        }                                                               \
        lb_lo_;                                                         \
    })

#endif
