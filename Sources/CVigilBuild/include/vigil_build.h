#ifndef VIGIL_BUILD_H
#define VIGIL_BUILD_H

/// The commit this build is of (Package.swift defines it: $VIGIL_COMMIT, the checkout's HEAD,
/// a `git archive` tarball's, or "unknown").
const char *vigil_build_commit(void);

/// When this file was compiled, as the C compiler says it: "Dec  7 2026" and "14:50:00".
const char *vigil_build_date(void);
const char *vigil_build_time(void);

#endif
