#ifndef RAMPART_CGSL_SHIM_H
#define RAMPART_CGSL_SHIM_H
#include <gsl/gsl_errno.h>
#include <gsl/gsl_version.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_statistics_double.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_roots.h>

/* GSL exposes its solver and generator types as mutable global pointers,
   which Swift 6 strict concurrency rejects. These accessors read them once
   per call and are safe to call from any thread. */
static inline const gsl_root_fsolver_type *rampart_gsl_root_fsolver_brent(void) {
    return gsl_root_fsolver_brent;
}

static inline const gsl_rng_type *rampart_gsl_rng_mt19937(void) {
    return gsl_rng_mt19937;
}
#endif
