#include "alsrec/version.h"
namespace alsrec {
const char* version() { return ALSREC_VERSION; }
}  // namespace alsrec
