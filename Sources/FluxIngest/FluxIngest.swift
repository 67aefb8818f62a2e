// FluxIngest: video files → encoder-ready clip tensors.
//
// Decoding/      VideoDecoder (libavformat + libavcodec + libswscale): packet table, keyframe-
//                aware seeking, RGB conversion with early scaling and rotation; VideoMetadata;
//                DecodeError (typed, with hints); DecodeOptions.
// Sampling/      FrameSampler (the `middle` rule, DiDeMo's first 30 s), SegmentWindows (fixed
//                windows over long videos). The budget → frames × size table lives with token
//                selection in FluxModels.
// Preprocessing/ Preprocessor: squash (or centre-crop) bicubic resize on uint8, /255, mean/std,
//                [3, T, S, S] float32.
// Pipeline/      BoundedQueue and IngestPipeline: decode + preprocess on a producer thread,
//                encode on the caller's, with bounded memory.
// Thumbnails/    Thumbnailer (a JPEG of one moment, hover-preview sprites), JPEGEncoder (libavcodec
//                MJPEG + libswscale), ThumbnailCache (a bounded folder of made-once files with
//                atomic writes), ThumbnailError.
// VideoClipLoader.swift  decoder → [1, 3, T, S, S] + indices + timestamps, for a whole video or
//                one window (FluxIndex's VideoEmbedder is the file → vector road built on it).
//
// Units in doc comments: pixels, frames, seconds, tokens.
