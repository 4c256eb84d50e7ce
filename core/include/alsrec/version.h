#pragma once
namespace alsrec {
const char* version();  // "0.1.0"
}
