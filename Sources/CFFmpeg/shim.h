// FFmpeg 5.1 (Debian bookworm) headers, plus inline helpers for macros Swift cannot import.
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libswscale/swscale.h>
#include <libavutil/imgutils.h>
#include <libavutil/error.h>
#include <libavutil/display.h>

static inline int cff_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int cff_averror_eof(void) { return AVERROR_EOF; }
static inline int cff_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }
static inline int64_t cff_nopts_value(void) { return AV_NOPTS_VALUE; }

// ---- Added for FluxIngest (video ingestion). Additive only. ----
#include <math.h>
#include <libavutil/time.h>

/// AVERROR(errnum) for a POSIX errno value (e.g. ENOENT, EACCES, EIO).
static inline int cff_averror(int errnum) { return AVERROR(errnum); }
static inline int cff_averror_decoder_not_found(void) { return AVERROR_DECODER_NOT_FOUND; }
static inline int cff_averror_stream_not_found(void) { return AVERROR_STREAM_NOT_FOUND; }
static inline int cff_averror_exit(void) { return AVERROR_EXIT; }
static inline int cff_averror_patchwelcome(void) { return AVERROR_PATCHWELCOME; }
static inline int cff_errno_enoent(void) { return ENOENT; }
static inline int cff_errno_eacces(void) { return EACCES; }
static inline int cff_errno_eio(void) { return EIO; }
/// AVPROBE_SCORE_RETRY (25): below it, libavformat's own probing keeps reading.
static inline int cff_probe_score_retry(void) { return AVPROBE_SCORE_RETRY; }
static inline int cff_disposition_attached_pic(void) { return AV_DISPOSITION_ATTACHED_PIC; }
static inline int cff_pkt_flag_key(void) { return AV_PKT_FLAG_KEY; }
static inline int cff_pkt_flag_discard(void) { return AV_PKT_FLAG_DISCARD; }

/// The display-matrix rotation of a stream in degrees counter-clockwise, as
/// av_display_rotation_get returns it (range [-180, 180]), or NAN when the stream has none.
static inline double cff_stream_display_rotation(const AVStream *st) {
    size_t size = 0;
    const uint8_t *m = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, &size);
    if (!m || size < 9 * sizeof(int32_t)) return NAN;
    return av_display_rotation_get((const int32_t *)m);
}

/// Interrupt callback: non-zero (abort blocking I/O) once av_gettime_relative() passes the
/// deadline in microseconds that `opaque` points to; a deadline of 0 means "no deadline".
static inline int cff_deadline_interrupt(void *opaque) {
    const int64_t deadline = *(const int64_t *)opaque;
    return deadline > 0 && av_gettime_relative() > deadline;
}

/// Installs cff_deadline_interrupt on a format context (call before avformat_open_input).
/// `deadline_us` must outlive the context.
static inline void cff_install_deadline(AVFormatContext *fmt, int64_t *deadline_us) {
    fmt->interrupt_callback.callback = cff_deadline_interrupt;
    fmt->interrupt_callback.opaque = deadline_us;
}

/// Current monotonic time in microseconds (av_gettime_relative).
static inline int64_t cff_now_us(void) { return av_gettime_relative(); }
