/* Linked into the fully static nplus1 (NPLUS1_STATIC=ON, scripts/release) only.
 *
 * A static glibc serves user look-ups through NSS modules it dlopen()s at run time, from
 * the glibc of the machine it runs on, which need not match the one it was linked with:
 * the linker warns, and with -Wl,--fatal-warnings refuses. LLVM's Path.cpp references
 * them (home_directory() when $HOME is unset, "~user" expansion); nplus1 calls neither.
 * These definitions take the place of glibc's: a look-up finds no user (POSIX: return 0,
 * *result NULL), so the binary never loads a shared object. */
#include <pwd.h>
#include <stddef.h>
#include <sys/types.h>

int getpwnam_r(const char *name, struct passwd *pwd, char *buf, size_t len,
               struct passwd **result) {
  (void)name, (void)pwd, (void)buf, (void)len;
  *result = NULL;
  return 0;
}

int getpwuid_r(uid_t uid, struct passwd *pwd, char *buf, size_t len, struct passwd **result) {
  (void)uid, (void)pwd, (void)buf, (void)len;
  *result = NULL;
  return 0;
}
