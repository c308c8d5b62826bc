/* SPDX-License-Identifier: MIT
 * util/preload.c - whether the loader will preload the shim into a program,
 * and why a process may have no segment. Reads files and /proc only; never
 * changes anything, never trusts what it reads beyond a reason to print.
 */
#include "util/preload.h"
#include "segment/reader.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

/* Why the loader will not preload the shim into path, or NULL. An ELF file
 * without a program interpreter is static; setuid, setgid (for another
 * user) and file capabilities make the loader ignore LD_PRELOAD; a script is
 * judged by its interpreter. */
static const char *preload_blocker_at(const char *path, int depth)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0)
            close(fd);
        return NULL; /* exec will say what is wrong */
    }
    const char *why = NULL;
    if (((st.st_mode & S_ISUID) && st.st_uid != getuid()) ||
        ((st.st_mode & S_ISGID) && st.st_gid != getgid()))
        why = st.st_mode & S_ISUID ? "is setuid: the loader ignores LD_PRELOAD for it"
                                   : "is setgid: the loader ignores LD_PRELOAD for it";
    else if (fgetxattr(fd, "security.capability", NULL, 0) > 0)
        why = "has file capabilities: the loader ignores LD_PRELOAD for it";
    unsigned char buf[256];
    ssize_t n = why ? 0 : pread(fd, buf, sizeof buf - 1, 0);
    if (n > 2 && buf[0] == '#' && buf[1] == '!' && depth == 0) {
        buf[n] = '\0';
        char *p = (char *)buf + 2, interp[PATH_MAX];
        p += strspn(p, " \t");
        size_t len = strcspn(p, " \t\n");
        snprintf(interp, sizeof interp, "%.*s", (int)len, p);
        close(fd);
        return interp[0] == '/' ? preload_blocker_at(interp, 1) : NULL;
    }
    if (n >= (ssize_t)sizeof(Elf64_Ehdr) && !memcmp(buf, ELFMAG, SELFMAG) &&
        buf[EI_CLASS] == ELFCLASS64) {
        Elf64_Ehdr eh;
        memcpy(&eh, buf, sizeof eh);
        int interp = 0;
        for (unsigned i = 0; i < eh.e_phnum && i < 256; i++) {
            Elf64_Phdr ph;
            if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + (uint64_t)i * eh.e_phentsize)) !=
                (ssize_t)sizeof ph)
                break;
            interp |= ph.p_type == PT_INTERP;
        }
        if (!interp && (eh.e_type == ET_EXEC || eh.e_type == ET_DYN))
            why = "is statically linked: there is no loader to preload the shim";
    }
    close(fd);
    return why;
}

const char *preload_blocker(const char *path)
{
    return preload_blocker_at(path, 0);
}

/* Whether /proc/PID/maps names libheaptag.so: the shim is in the process. */
static int preload_has_shim(pid_t pid)
{
    char path[64], line[4096];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "re");
    int found = 0;
    if (!f)
        return -1;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, "/libheaptag.so") != NULL;
    fclose(f);
    return found;
}

void preload_why_no_segment(pid_t pid, const char *shm_dir, char *buf, size_t n)
{
    char path[64], exe[PATH_MAX];
    struct stat st;
    snprintf(path, sizeof path, "/proc/%d", (int)pid);
    pid_t by;
    uint32_t cap_mb;
    uint64_t when;
    if (stat(path, &st) != 0 && segread_cap_removed(shm_dir, pid, &by, &cap_mb, &when)) {
        (void)when;
        int at = snprintf(buf, n, "it exited and the keep cap removed its segment: the kept "
                          "segments of one run may use %u MB (HEAPTAG_KEEP_MAX_MB), the "
                          "oldest go first", (unsigned)cap_mb);
        if (by > 0 && at > 0 && (size_t)at < n)
            snprintf(buf + at, n - (size_t)at, " (removed by pid %d of the same run)", (int)by);
        return;
    }
    if (stat(path, &st) != 0) {
        snprintf(buf, n, "no such process: it exited (a segment is kept after exit only "
                 "with HEAPTAG_KEEP=1, as heaptag run sets; heaptag gc may have removed it) "
                 "or never ran");
        return;
    }
    snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
    ssize_t len = readlink(path, exe, sizeof exe - 1);
    exe[len > 0 ? len : 0] = '\0';
    const char *block = len > 0 ? preload_blocker(exe) : NULL;
    if (block) {
        snprintf(buf, n, "%s %s", exe, block);
        return;
    }
    int shim = preload_has_shim(pid);
    int maps_errno = errno;
    if (shim == 1) {
        struct statvfs vfs;
        int full = statvfs(shm_dir, &vfs) == 0 && vfs.f_bavail * vfs.f_frsize < (1u << 22);
        snprintf(buf, n, "the shim is loaded but made no segment: %s is %s, so it counts "
                 "privately", shm_dir, full ? "full" : "full or not writable for it");
        return;
    }
    if (shim == 0)
        snprintf(buf, n, "not tagged: it was not started under the shim; start it with "
                 "heaptag run");
    else /* no segment file has its pid, readable or not: only private counting
          * could hide one, and its map says nothing to us */
        snprintf(buf, n, "not tagged: start it with heaptag run (whether the shim is "
                 "loaded but counting privately cannot be told: /proc/%d/maps: %s)", (int)pid,
                 strerror(maps_errno));
}
