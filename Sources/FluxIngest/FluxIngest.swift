// Video ingestion: decoding (libav*), frame sampling, preprocessing and the decode→encode pipeline.
import FluxCore
import CFFmpeg
