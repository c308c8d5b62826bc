/* SPDX-License-Identifier: MIT
 * own_code.h - the code the shim runs for itself inside a program (its own
 * unwinder and tables: the shim's object). An allocation it makes while in
 * its slow path is the shim's own, never counted in the program's rows.
 */
#ifndef HT_OWN_CODE_H
#define HT_OWN_CODE_H

#include <stdint.h>

#include "base/glue.h"

/* Finds where that code is mapped. At start-up, inside the recursion guard. */
HT_HIDDEN void ht_own_code_init(void);

/* 1 when site lies in that code. */
HT_HIDDEN int ht_own_code(uint64_t site);

#endif
