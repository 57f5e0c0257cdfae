/* ngx-report --metrics: the report's figures as metrics in the text format
 * Prometheus scrapes and node_exporter's textfile collector reads (each
 * family its HELP and TYPE, gauges named by unit, label values escaped,
 * "# EOF" last as OpenMetrics ends), made from the report's own JSON
 * document: one model, this a fourth rendering of it. Every sample has the
 * process's pid as a label, so the files of several processes add up. */
#ifndef NGXMEM_REPORT_METRICS_H
#define NGXMEM_REPORT_METRICS_H

#include "out_buf.h"

#include <stdbool.h>
#include <stddef.h>

/* JSON (LEN bytes): an ngx-report --json document. False + ERR when it is
 * not one. */
bool report_metrics(const char *json, size_t len, struct out_buf *out, char *err, size_t errlen);

#endif
