/* SPDX-License-Identifier: MIT
 * test_install.c - `make install` into a DESTDIR, as a user then uses it:
 * every file in place, a program built with pkg-config, man pages lint-clean,
 * bash completion of commands, options and flags, `make uninstall` leaving
 * nothing. The checks live in tests/packaging/check.sh; the Debian package is
 * built and linted by `make test-real` (slow).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "harness.h"

static void check(const char *aspect)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "HEAPTAG_BUILD='%s' '%s/../tests/packaging/check.sh' %s 2>&1",
             build_path("."), build_path("."), aspect);
    char out[8192];
    int st = shell_out(cmd, out, sizeof out);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "check.sh %s failed:\n%s", aspect, out);
}

Test(install, every_file_in_destdir, .timeout = 180) { check("files"); }
Test(install, pkg_config_builds_a_tagged_program, .timeout = 180) { check("pkgconfig"); }
Test(install, man_pages_lint_clean, .timeout = 120) { check("man"); }
Test(install, bash_completes_commands_options_flags, .timeout = 180) { check("completion"); }
Test(install, uninstall_leaves_nothing, .timeout = 180) { check("uninstall"); }
