/* The data-channel layer compiled into the interop tests: CMakeLists.txt links
 * csctp_datachannel_static only into tests/datachannel/ (remove once it links interop too). */
#include "../../datachannel/dcep.c"
