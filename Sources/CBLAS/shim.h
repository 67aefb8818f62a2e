// CBLAS from Debian's libopenblas-dev (pthread variant). pkg-config "openblas" adds its include path.
#include <cblas.h>
