#include <sqlite3.h>

/// SQLITE_TRANSIENT is a macro over a cast that Swift cannot import; this is the same value.
static inline sqlite3_destructor_type csqlite_transient(void) { return (sqlite3_destructor_type)-1; }
