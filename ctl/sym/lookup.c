/*
 * sym/lookup.c - minimal symbolisation for trend's verdict: libelf over the
 * module file, .symtab first (unstripped), .dynsym otherwise. Every index and
 * size from the file is checked by libelf's accessors; failures are quiet.
 */
#include "sym/lookup.h"

#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/open_regular.h"
#include "util/text_safe.h"

static int sym_in_section(Elf *e, Elf_Scn *scn, const GElf_Shdr *sh, uint64_t vaddr, char *buf,
                          size_t n)
{
    Elf_Data *data = elf_getdata(scn, NULL);
    if (!data || sh->sh_entsize == 0)
        return -1;
    size_t count = sh->sh_size / sh->sh_entsize;
    for (size_t i = 0; i < count; i++) {
        GElf_Sym sym;
        if (!gelf_getsym(data, (int)i, &sym))
            break;
        if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_value == 0 || sym.st_size == 0)
            continue;
        if (vaddr < sym.st_value || vaddr - sym.st_value >= sym.st_size)
            continue;
        const char *name = elf_strptr(e, sh->sh_link, sym.st_name);
        if (!name || !*name)
            continue;
        text_safe(buf, n, name); /* a name the program chose: printable */
        return 0;
    }
    return -1;
}

int sym_function(const char *path, uint64_t offset, char *buf, size_t n)
{
    if (offset == 0 || elf_version(EV_CURRENT) == EV_NONE)
        return -1;
    int fd = open_regular(path); /* a path from a log or a segment: never a FIFO */
    if (fd < 0)
        return -1;
    int rc = -1;
    Elf *e = elf_begin(fd, ELF_C_READ, NULL);
    size_t phnum;
    if (!e || elf_kind(e) != ELF_K_ELF || elf_getphdrnum(e, &phnum) != 0)
        goto out;
    uint64_t lo = UINT64_MAX;
    for (size_t i = 0; i < phnum; i++) {
        GElf_Phdr ph;
        if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD && ph.p_vaddr < lo)
            lo = ph.p_vaddr;
    }
    if (lo == UINT64_MAX)
        goto out;
    uint64_t vaddr = lo + offset - 1; /* a return address: the call is just before */
    for (int pass = 0; pass < 2 && rc != 0; pass++) {
        Elf_Scn *scn = NULL;
        while (rc != 0 && (scn = elf_nextscn(e, scn))) {
            GElf_Shdr sh;
            if (gelf_getshdr(scn, &sh) &&
                sh.sh_type == (pass == 0 ? SHT_SYMTAB : SHT_DYNSYM))
                rc = sym_in_section(e, scn, &sh, vaddr, buf, n);
        }
    }
out:
    if (e)
        elf_end(e);
    close(fd);
    return rc;
}

int sym_parse_site(const char *site, char *module, size_t module_n, uint64_t *offset,
                   const char **func)
{
    *func = NULL;
    const char *p = site;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *end = p + strcspn(p, " ");
        const char *plus = NULL;
        for (const char *q = p; q + 2 < end; q++)
            if (q[0] == '+' && q[1] == '0' && q[2] == 'x')
                plus = q;
        if (plus && plus > p && (size_t)(plus - p) < module_n) {
            char *stop;
            uint64_t off = strtoull(plus + 3, &stop, 16);
            if (stop == end && end > plus + 3) {
                memcpy(module, p, (size_t)(plus - p));
                module[plus - p] = '\0';
                *offset = off;
                while (*end == ' ')
                    end++;
                if (*end)
                    *func = end;
                return 0;
            }
        }
        p = end;
    }
    return -1;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static int sym_from_maps(const char *module, int pid, char *path, size_t n)
{
    char name[64], line[4096];
    snprintf(name, sizeof name, "/proc/%d/maps", pid);
    FILE *f = fopen(name, "re");
    int rc = -1;
    if (!f)
        return -1;
    while (rc != 0 && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *slash = strchr(line, '/');
        if (slash && !strcmp(base_name(slash), module)) {
            snprintf(path, n, "%s", slash);
            rc = 0;
        }
    }
    fclose(f);
    return rc;
}

int sym_find_module(const char *module, const char *exe, int pid, char *path, size_t n)
{
    static const char *const dirs[] = { "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
                                        "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
                                        "/lib64", "/usr/lib64", "/lib", "/usr/lib",
                                        "/usr/local/lib" };
    if (!*module || strchr(module, '/'))
        return -1;
    if (exe && *exe && !strcmp(base_name(exe), module) && access(exe, R_OK) == 0) {
        snprintf(path, n, "%s", exe);
        return 0;
    }
    if (pid > 0 && sym_from_maps(module, pid, path, n) == 0)
        return 0;
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(path, n, "%s/%s", dirs[i], module);
        if (access(path, R_OK) == 0)
            return 0;
    }
    return -1;
}
