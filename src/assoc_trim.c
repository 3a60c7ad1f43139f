/* SPDX-License-Identifier: MIT */
/* Giving back what an idle association does not need (csctp_assoc_trim, sctp.h). */
#include "assoc.h"
#include "mem.h"

size_t csctp_assoc_trim(csctp_assoc *a) {
  if (!a) return 0;
  csctp_assoc_release_popped(a);
  size_t bytes = 0;
  while (a->opkt_spare) {
    csctp_assoc_opkt *p = a->opkt_spare;
    a->opkt_spare = p->next;
    bytes += sizeof(*p) + p->cap;
    csctp_free(a->mem, p);
  }
  a->n_opkt_spare = 0;
  if (a->ctrl && a->ctrl_len == 0) {
    bytes += a->ctrl_cap;
    csctp_free(a->mem, a->ctrl);
    a->ctrl = NULL;
    a->ctrl_cap = 0;
  }
  return bytes + csctp_tx_trim(&a->tx) + csctp_reasm_trim(&a->reasm) +
         csctp_ireasm_trim(&a->ireasm);
}
