#include <cstdio>
#include "alsrec/version.h"
int main() { std::printf("alsrec %s\n", alsrec::version()); return 0; }
