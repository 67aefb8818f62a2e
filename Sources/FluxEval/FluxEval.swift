// FluxEval: zero-shot text↔video retrieval evaluation (shared/spec/EVAL_PROTOCOL.md).
//
// Annotations/   EvalDataset (videos, texts, text → video), MSRVTTAnnotations (JSFusion CSV,
//                VINDLU JSON), DiDeMoAnnotations (LocalizingMoments test_data.json + split
//                list, VINDLU JSON; paragraphs), AnnotationError.
// Metrics/       ScoreMatrix (S[v, t], .npy reading), DualSoftmaxMatrix (EVAL_PROTOCOL §4.2),
//                RetrievalMetrics (ranks, R@K, MdR, MnR; §4.3, §4.4).
// VideoLocator   annotation video names → files, across extensions.
// EvalRunner     encode (through FluxIndex's VideoEmbedder, cached in an eval index) → S →
//                metrics, per token budget; EvalSampling picks frames × size per budget.
// MatrixScoring  `eval scores`: a precomputed S and its ground truth (diagonal, indices, annotations).
// Scoring        DSLMode and ScoringResult (raw and dual softmax of one S).
// EvalReport     the JSON report (+Table: the human table), PerQueryWriter, Plot (R@1-vs-budget SVG).
// TokenOptimizationTuner  the paper's linear Token Optimization search for one budget.
//
// Conventions: S is [videos, texts] (rows = videos), as in UMT/InternVideo2. Ranks are
// 0-based counts of candidates scored strictly higher than the ground truth; MdR and MnR add 1.
