#ifndef MYELIN_CRESOLV_SHIM_H
#define MYELIN_CRESOLV_SHIM_H

#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/nameser.h>
#include <resolv.h>
#include <netdb.h>

/* res_ninit and res_nclose are macros (aliases of __res_ninit / __res_nclose) and the ns_* accessors
   are function-like macros: Swift imports neither, so they are wrapped here. */

static inline int myelin_res_ninit(res_state state) { return res_ninit(state); }
static inline void myelin_res_nclose(res_state state) { res_nclose(state); }

static inline int myelin_ns_msg_count(const ns_msg *msg, ns_sect section) { return ns_msg_count(*msg, section); }
static inline const unsigned char *myelin_ns_msg_base(const ns_msg *msg) { return ns_msg_base(*msg); }
static inline const unsigned char *myelin_ns_msg_end(const ns_msg *msg) { return ns_msg_end(*msg); }

static inline int myelin_ns_rr_type(const ns_rr *rr) { return (int)ns_rr_type(*rr); }
static inline int myelin_ns_rr_class(const ns_rr *rr) { return (int)ns_rr_class(*rr); }
static inline unsigned long myelin_ns_rr_ttl(const ns_rr *rr) { return (unsigned long)ns_rr_ttl(*rr); }
static inline int myelin_ns_rr_rdlen(const ns_rr *rr) { return (int)ns_rr_rdlen(*rr); }
static inline const unsigned char *myelin_ns_rr_rdata(const ns_rr *rr) { return ns_rr_rdata(*rr); }

#endif
