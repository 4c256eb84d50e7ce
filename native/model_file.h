// Model files on disk, streamed through the core's reader (model_io.h): only regular files are read (a device or
// a FIFO has no size to check the file's declared sizes against), and only the parts a command needs are kept.
#pragma once

#include <string>

#include "alsrec/model_io.h"

namespace alsrec::cli {

Result<AlsModel> load_model_file(const std::string& path, const ModelSelection& keep = {}, ModelShape* shape = nullptr);

}  // namespace alsrec::cli
