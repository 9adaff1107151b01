#include "vigil_build.h"

#ifndef VIGIL_COMMIT
#define VIGIL_COMMIT "unknown"
#endif

const char *vigil_build_commit(void) { return VIGIL_COMMIT; }
const char *vigil_build_date(void) { return __DATE__; }
const char *vigil_build_time(void) { return __TIME__; }
