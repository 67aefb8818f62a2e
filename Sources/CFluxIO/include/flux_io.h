#ifndef FLUX_IO_H
#define FLUX_IO_H
#include <stdint.h>

/// Asks the kernel to start writing the byte range [offset, offset + count) of `fd` to disk
/// without waiting (Linux sync_file_range with SYNC_FILE_RANGE_WRITE), so that a large file's
/// final fsync has little left to do. Returns 0, or -1 with errno set; a no-op returning 0 on
/// systems without it.
int flux_start_writeback(int fd, int64_t offset, int64_t count);

#endif
