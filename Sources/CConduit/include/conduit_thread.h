#ifndef CONDUIT_THREAD_H
#define CONDUIT_THREAD_H

/// Names the calling thread (for debuggers and `top -H`); Linux keeps 15 characters.
/// pthread_setname_np differs between Linux and Darwin and is a GNU extension that
/// Swift's Glibc module does not show.
void conduit_name_this_thread(const char *name);

#endif
