/* SPDX-License-Identifier: MIT
 * mon/view.h - builds the sorted, filtered view of the model (m->view) and
 * its totals, by the column table's sort keys.
 */
#ifndef HT_MON_VIEW_H
#define HT_MON_VIEW_H

#include "mon/model.h"

/* Builds m->view and m->totals from the current lines. */
void mon_model_view(struct mon_model *m, const struct mon_view_cfg *v);

#endif
