/* What the wrappers hand the report service: their facts, gathered for the
 * exit report, and each failure the fail wrapper injects, as it happens.
 * report.c keeps them; report/wrappers.c formats them. */
#ifndef HS_REPORT_WRAPPERS_H
#define HS_REPORT_WRAPPERS_H

#include "wrappers/facts.h"

/* The wrappers' facts for the exit report: gather fills them when a report
 * is written. Set once, from init. */
void hs_report_set_wrappers(void (*gather)(struct hs_wrapper_facts *out));

/* Reports a failure the fail wrapper injected: at once in text (so that a
 * crash it leads to can be traced to it), with the exit report in JSON. */
void hs_report_injection(const struct hs_injection *injection);

#endif
