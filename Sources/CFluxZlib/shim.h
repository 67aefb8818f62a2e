// zlib (Debian zlib1g-dev), used to read gzip-compressed data such as the CLIP BPE vocabulary.
#include <zlib.h>
