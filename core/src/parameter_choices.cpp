// The accepted names of the parameters that are not numbers (model_options.h): read off each enum's name function,
// whose values are contiguous from 0 and which names anything past the last one "unknown".
#include <string>
#include <vector>

#include "alsrec/model_options.h"

namespace alsrec {

namespace {

template <typename Enum, typename NameOf>
std::vector<std::string> enum_names(NameOf name_of) {
  std::vector<std::string> names;
  for (int i = 0; i < 64; ++i) {
    const std::string name = name_of(static_cast<Enum>(i));
    if (name == "unknown") break;
    names.push_back(name);
  }
  return names;
}

}  // namespace

std::vector<std::string> parameter_choices(const ParameterInfo& p) {
  const std::string flag = p.flag;
  if (flag == "confidence") return enum_names<ConfidenceMode>(confidence_mode_name);
  if (flag == "values") return enum_names<ValueTransform>(value_transform_name);
  if (flag == "solver") return enum_names<SolverKind>(solver_name);
  if (flag == "biases") return {"false", "true"};
  return {};
}

}  // namespace alsrec
