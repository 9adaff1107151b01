#include <sqlite3.h>

/// SQLITE_TRANSIENT is a macro over a cast that Swift cannot import; this is the same value.
static inline sqlite3_destructor_type csqlite_transient(void) { return (sqlite3_destructor_type)-1; }

/// Turns off SQLite's memory statistics, which take a global mutex on every allocation. Must run
/// before the library is initialised (before the first connection opens); returns SQLITE_OK then.
static inline int csqlite_disable_memstatus(void) { return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }
