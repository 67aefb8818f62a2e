#include "faiss_bridge.h"
