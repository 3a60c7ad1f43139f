/* SPDX-License-Identifier: MIT */
/*
 * The Node.js binding of the socket API (include/csctp/socket.h): one addon instance per
 * Node environment (main thread or worker), each with its own GMainContext driven from
 * Node's libuv loop (loop.c), the socket and server wrappers (sock.c) and the module's
 * functions (addon.c). Everything runs on the environment's JavaScript thread.
 */
#ifndef CSCTP_NODE_ADDON_H
#define CSCTP_NODE_ADDON_H

#include <csctp/socket.h>
#include <node_api.h>
#include <string.h>
#include <uv.h>

typedef struct node_loop node_loop;
typedef struct nsock nsock;
typedef struct nserver nserver;

/* The addon's instance data (napi_set_instance_data): the only state it keeps. */
typedef struct addon {
  napi_env env;
  node_loop *loop;
  GMainContext *ctx;
  napi_ref dispatch; /* JS function(token, type, ...) that receives every event */
  GList *socks;      /* open nsock */
  GList *servers;    /* nserver with a C server */
  GList *pcs;        /* npc with a C peer (pc.c) */
  int live;          /* open sockets + listening servers: the loop keeps Node alive while > 0 */
  int closing;       /* the environment is being torn down */
  napi_async_cleanup_hook_handle cleanup; /* its hook, removed once the loop's handles are closed */
} addon;

/* ---- loop.c: GLib on libuv ---- */

/* Creates the glue for `ctx` on the environment's loop (handles unreferenced). NULL on error. */
node_loop *node_loop_new(addon *ad, uv_loop_t *uv, GMainContext *ctx);
/* Watches what the context wants now (after a call from JavaScript added sources: GLib does
 * not wake its owner for that), so that Node's loop has handles to wait on. */
void node_loop_kick(node_loop *l);
/* Keeps Node's loop alive (ref) or not (unref) according to ad->live. */
void node_loop_update_ref(node_loop *l);
/* Closes the handles; `done(arg)` runs once they are all closed, then the glue is freed. */
void node_loop_close(node_loop *l, void (*done)(void *), void *arg);

/* ---- sock.c ---- */

/* The socket and server functions of the module, added to `exports`. */
napi_status node_sock_init(napi_env env, napi_value exports);
/* Destroys every socket and server without callbacks (environment teardown). */
void node_sock_close_all(addon *ad);

/* ---- pc.c (when built with the peer layer: CSCTP_NODE_PC) ---- */

/* The RTCPeerConnection functions (pcNew, pcSend, ...), added to `exports`. */
napi_status node_pc_init(napi_env env, napi_value exports);
/* Deletes every peer without callbacks (environment teardown). */
void node_pc_close_all(addon *ad);

/* ---- addon.c: helpers ---- */

/* Calls the dispatcher with (token, type, argv...); an exception thrown by JavaScript goes
 * to Node's uncaught-exception handling and never back into C. */
void node_emit(addon *ad, napi_value token, const char *type, size_t argc, const napi_value *argv);
/* Throws a JavaScript Error with `code` (a csctp_error: err.errno, err.code its name). */
void node_throw(napi_env env, int code, const char *msg);
/* A live count change: ad->live += delta and the loop's ref follows. */
void node_live(addon *ad, int delta);
/* The addon of a call. */
addon *node_addon(napi_env env);
/* Option `name` of object `o` as a number in [lo, hi] (a boolean counts as 0 or 1): 1 and *out
 * when present, 0 when undefined or null, -1 with a RangeError (or the getter's exception)
 * pending. */
int node_opt_num(napi_env env, napi_value o, const char *name, double lo, double hi, double *out);

/* Short forms for N-API calls that cannot fail on valid arguments: a failure throws. */
#define NAPI_OK(env, call)                                                                      \
  do {                                                                                          \
    if ((call) != napi_ok) {                                                                    \
      const napi_extended_error_info *ei_ = NULL;                                               \
      napi_get_last_error_info((env), &ei_);                                                    \
      bool pending_ = false;                                                                    \
      napi_is_exception_pending((env), &pending_);                                              \
      if (!pending_)                                                                            \
        napi_throw_error((env), NULL,                                                           \
                         ei_ && ei_->error_message ? ei_->error_message : "N-API call failed"); \
      return NULL;                                                                              \
    }                                                                                           \
  } while (0)

/* A handle scope around a callback from C into JavaScript (the callback returns void). */
#define NODE_SCOPE_OPEN(env) \
  napi_handle_scope hs_;     \
  if (napi_open_handle_scope((env), &hs_) != napi_ok) return;
#define NODE_SCOPE_CLOSE(env) napi_close_handle_scope((env), hs_)

/* JavaScript values of C ones (NULL when N-API fails; a NULL string is ""). */
static inline napi_value node_u32(napi_env env, uint32_t v) {
  napi_value r = NULL;
  napi_create_uint32(env, v, &r);
  return r;
}
static inline napi_value node_i32(napi_env env, int32_t v) {
  napi_value r = NULL;
  napi_create_int32(env, v, &r);
  return r;
}
static inline napi_value node_bool(napi_env env, int b) {
  napi_value r = NULL;
  napi_get_boolean(env, b != 0, &r);
  return r;
}
static inline napi_value node_strn(napi_env env, const char *s, size_t n) {
  napi_value r = NULL;
  napi_create_string_utf8(env, s ? s : "", s ? n : 0, &r);
  return r;
}
static inline napi_value node_str(napi_env env, const char *s) {
  return node_strn(env, s, s ? strlen(s) : 0);
}

#endif
