#include "veil_shim.h"
int veil_placeholder(void) { return 0; }
