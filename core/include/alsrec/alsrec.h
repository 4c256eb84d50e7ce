// Umbrella header for the alsrec core library.
#pragma once
#include "alsrec/als.h"
#include "alsrec/csv.h"
#include "alsrec/generate.h"
#include "alsrec/matrix.h"
#include "alsrec/metrics.h"
#include "alsrec/model_io.h"
#include "alsrec/ratings.h"
#include "alsrec/recommend.h"
#include "alsrec/split.h"
#include "alsrec/status.h"
#include "alsrec/version.h"
