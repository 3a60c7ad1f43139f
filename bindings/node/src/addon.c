/* SPDX-License-Identifier: MIT */
/*
 * The module's entry point (csctp.node): instance data per Node environment (its own
 * GMainContext, acquired by the JavaScript thread, on the environment's libuv loop), the
 * event dispatcher, and the stateless functions: defaults(), the PPID table, strerror.
 * lib/index.js is the JavaScript API over it.
 */
#include <string.h>

#include "addon.h"

addon *node_addon(napi_env env) {
  void *d = NULL;
  napi_get_instance_data(env, &d);
  return d;
}

void node_live(addon *ad, int delta) {
  ad->live += delta;
  if (!ad->loop) return;
  if (ad->live == 0 || ad->live == delta) node_loop_update_ref(ad->loop);
  if (delta > 0) node_loop_kick(ad->loop);
}

void node_throw(napi_env env, int code, const char *msg) {
  napi_value m, e, n;
  if (napi_create_string_utf8(env, msg ? msg : csctp_strerror(code), NAPI_AUTO_LENGTH, &m) !=
          napi_ok ||
      napi_create_error(env, NULL, m, &e) != napi_ok) {
    napi_throw_error(env, NULL, csctp_strerror(code));
    return;
  }
  if (napi_create_int32(env, code, &n) == napi_ok) napi_set_named_property(env, e, "errno", n);
  napi_throw(env, e);
}

void node_emit(addon *ad, napi_value token, const char *type, size_t argc, const napi_value *argv) {
  napi_env env = ad->env;
  napi_value fn, recv, args[8];
  if (!ad->dispatch || argc > 6 || ad->closing) return;
  if (napi_get_reference_value(env, ad->dispatch, &fn) != napi_ok || !fn) return;
  napi_get_undefined(env, &recv);
  args[0] = token;
  if (napi_create_string_utf8(env, type, NAPI_AUTO_LENGTH, &args[1]) != napi_ok) return;
  for (size_t i = 0; i < argc; i++) args[i + 2] = argv[i];
  if (napi_call_function(env, recv, fn, argc + 2, args, NULL) == napi_pending_exception) {
    /* A listener threw: Node's 'uncaughtException' handling, as for any event; the C
     * socket API below is in a consistent state whatever JavaScript did. */
    napi_value exc;
    if (napi_get_and_clear_last_exception(env, &exc) == napi_ok) napi_fatal_exception(env, exc);
  }
}

/* init(dispatch): the function that receives every event. */
static napi_value addon_init(napi_env env, napi_callback_info info) {
  addon *ad = node_addon(env);
  size_t argc = 1;
  napi_value fn;
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, &fn, NULL, NULL));
  napi_valuetype t;
  NAPI_OK(env, napi_typeof(env, fn, &t));
  if (t != napi_function) {
    napi_throw_type_error(env, NULL, "init: a function");
    return NULL;
  }
  if (ad->dispatch) napi_delete_reference(env, ad->dispatch);
  NAPI_OK(env, napi_create_reference(env, fn, 1, &ad->dispatch));
  return NULL;
}

/* The net.sctp names of csctp_defaults_t, in its order. */
#define DEFAULT_FIELDS(X)     \
  X(rto_initial);             \
  X(rto_min);                 \
  X(rto_max);                 \
  X(sack_timeout);            \
  X(sack_freq);               \
  X(hb_interval);             \
  X(max_burst);               \
  X(association_max_retrans); \
  X(max_init_retransmits);    \
  X(valid_cookie_life);       \
  X(sndbuf);                  \
  X(rcvbuf)

/* defaults(obj): every positive integer field named as net.sctp replaces the default;
 * returns the defaults now in force. */
static napi_value addon_defaults(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value obj = NULL, out, v;
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, &obj, NULL, NULL));
  csctp_defaults_t set;
  memset(&set, 0, sizeof(set));
  napi_valuetype t = napi_undefined;
  if (argc >= 1) NAPI_OK(env, napi_typeof(env, obj, &t));
  if (t == napi_object) {
#define GET(f)                                                                              \
  {                                                                                         \
    bool has = false;                                                                       \
    NAPI_OK(env, napi_has_named_property(env, obj, #f, &has));                              \
    if (has) {                                                                              \
      double d = 0;                                                                         \
      NAPI_OK(env, napi_get_named_property(env, obj, #f, &v));                              \
      if (napi_get_value_double(env, v, &d) != napi_ok || !(d >= 1 && d <= 4294967295.0)) { \
        napi_throw_range_error(env, NULL, "defaults: " #f " must be a positive integer");   \
        return NULL;                                                                        \
      }                                                                                     \
      set.f = (uint32_t)d;                                                                  \
    }                                                                                       \
  }
    DEFAULT_FIELDS(GET);
#undef GET
  }
  csctp_defaults_t cur;
  csctp_defaults(&set, &cur);
  NAPI_OK(env, napi_create_object(env, &out));
#define PUT(f)                                      \
  NAPI_OK(env, napi_create_uint32(env, cur.f, &v)); \
  NAPI_OK(env, napi_set_named_property(env, out, #f, v));
  DEFAULT_FIELDS(PUT);
#undef PUT
  return out;
}

/* ppidName(n): the IANA name csctp knows for a PPID, or undefined. */
static napi_value addon_ppid_name(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a, r;
  uint32_t p = 0;
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, &a, NULL, NULL));
  if (argc < 1 || napi_get_value_uint32(env, a, &p) != napi_ok) return NULL;
  const char *n = csctp_ppid_name(p);
  if (!n) return NULL;
  NAPI_OK(env, napi_create_string_utf8(env, n, NAPI_AUTO_LENGTH, &r));
  return r;
}

/* strerror(code): csctp_strerror. */
static napi_value addon_strerror(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a, r;
  int32_t c = 0;
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, &a, NULL, NULL));
  if (argc >= 1) napi_get_value_int32(env, a, &c);
  NAPI_OK(env, napi_create_string_utf8(env, csctp_strerror(c), NAPI_AUTO_LENGTH, &r));
  return r;
}

int node_opt_num(napi_env env, napi_value o, const char *name, double lo, double hi, double *out) {
  napi_value v;
  napi_valuetype t;
  if (napi_get_named_property(env, o, name, &v) != napi_ok || napi_typeof(env, v, &t) != napi_ok)
    return -1;
  if (t == napi_undefined || t == napi_null) return 0;
  double d = 0;
  if (t == napi_boolean) {
    bool b = false;
    napi_get_value_bool(env, v, &b);
    d = b;
  } else if (t != napi_number || napi_get_value_double(env, v, &d) != napi_ok || !(d >= lo) ||
             !(d <= hi)) {
    char m[96];
    snprintf(m, sizeof(m), "option %s: a number from %.0f to %.0f", name, lo, hi);
    napi_throw_range_error(env, NULL, m);
    return -1;
  }
  *out = d;
  return 1;
}

static void addon_loop_closed(void *arg) {
  addon *ad = arg;
  napi_async_cleanup_hook_handle hook = ad->cleanup;
  g_main_context_release(ad->ctx);
  g_main_context_unref(ad->ctx);
  g_free(ad);
  /* Only now may the environment go on tearing down (a worker's loop, and this module's code,
   * with it): the handles' close callbacks were ours. Node waits for this. */
  if (hook) napi_remove_async_cleanup_hook(hook);
}

/* Environment teardown: every socket and server goes (ABORTs sent), then the loop's handles
 * close, then the context and the instance data are freed. */
static void addon_cleanup(napi_async_cleanup_hook_handle handle, void *arg) {
  addon *ad = arg;
  ad->closing = 1;
  ad->cleanup = handle;
  node_sock_close_all(ad);
#ifdef CSCTP_NODE_PC
  node_pc_close_all(ad);
#endif
  if (ad->dispatch) napi_delete_reference(ad->env, ad->dispatch);
  ad->dispatch = NULL;
  if (ad->loop) {
    node_loop *l = ad->loop;
    ad->loop = NULL;
    node_loop_close(l, addon_loop_closed, ad);
  } else {
    addon_loop_closed(ad);
  }
}

static napi_value addon_module_init(napi_env env, napi_value exports) {
  addon *ad = g_new0(addon, 1);
  ad->env = env;
  ad->ctx = g_main_context_new();
  if (!g_main_context_acquire(ad->ctx)) {
    g_main_context_unref(ad->ctx);
    g_free(ad);
    napi_throw_error(env, NULL, "csctp: cannot acquire a GLib main context");
    return NULL;
  }
  uv_loop_t *uv = NULL;
  if (napi_get_uv_event_loop(env, &uv) != napi_ok || !(ad->loop = node_loop_new(ad, uv, ad->ctx))) {
    addon_loop_closed(ad);
    napi_throw_error(env, NULL, "csctp: cannot attach to the event loop");
    return NULL;
  }
  /* The instance data is freed by the cleanup hook, which runs first at teardown. */
  NAPI_OK(env, napi_set_instance_data(env, ad, NULL, NULL));
  NAPI_OK(env, napi_add_async_cleanup_hook(env, addon_cleanup, ad, NULL));
  napi_property_descriptor props[] = {
      {"init", NULL, addon_init, NULL, NULL, NULL, napi_default, NULL},
      {"defaults", NULL, addon_defaults, NULL, NULL, NULL, napi_default, NULL},
      {"ppidName", NULL, addon_ppid_name, NULL, NULL, NULL, napi_default, NULL},
      {"strerror", NULL, addon_strerror, NULL, NULL, NULL, napi_default, NULL},
  };
  NAPI_OK(env, napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props));
  NAPI_OK(env, node_sock_init(env, exports));
#ifdef CSCTP_NODE_PC
  NAPI_OK(env, node_pc_init(env, exports));
#elif defined(CSCTP_NODE_PC_MISSING)
  /* Built without RTCPeerConnection (binding.gyp): what the build did not find. */
  NAPI_OK(env,
          napi_set_named_property(env, exports, "pcMissing", node_str(env, CSCTP_NODE_PC_MISSING)));
#endif
  return exports;
}

/* The entry points NAPI_MODULE_INIT defines, declared first (-Wmissing-prototypes). */
NAPI_MODULE_EXPORT int32_t NODE_API_MODULE_GET_API_VERSION(void);
NAPI_MODULE_EXPORT napi_value NAPI_MODULE_INITIALIZER(napi_env env, napi_value exports);
NAPI_MODULE_INIT() { return addon_module_init(env, exports); }
