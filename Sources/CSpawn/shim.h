#ifndef MYELIN_CSPAWN_SHIM_H
#define MYELIN_CSPAWN_SHIM_H

#include <spawn.h>

/* posix_spawn_file_actions_addclosefrom_np (glibc 2.34+) is not imported by Swift's Glibc module:
   a child spawned with it inherits no descriptor above `from` (NIO's sockets are not close-on-exec). */
static inline int myelin_spawn_close_from(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}

#endif
