import GRDB

// Schema history of index.sqlite.
//
// A migration is never modified once it has shipped: change the schema by appending a new one.
// Migrations use plain table and column names, never record types, so they keep meaning what
// they meant when they shipped.

extension IndexStore {
    /// Migration identifiers this build knows, in order.
    static let migrationIdentifiers = ["v1", "v2", "v3", "v4", "v5"]

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()

        // v1: settings, budgets, videos, clips with vectors, failures, query bank.
        migrator.registerMigration("v1") { db in
            try db.create(table: "indexSettings") { t in
                t.column("id", .integer).notNull().primaryKey().check { $0 == 1 }
                t.column("formatVersion", .integer).notNull()
                t.column("indexUUID", .text).notNull()
                t.column("modelName", .text).notNull()
                t.column("modelWeightHash", .text).notNull()
                t.column("embedDimension", .integer).notNull().check { $0 > 0 }
                t.column("preprocessing", .text).notNull()
                t.column("sampling", .text).notNull()
                t.column("faissFactory", .text).notNull()
                t.column("nprobe", .integer)
                t.column("createdAt", .datetime).notNull()
            }

            try db.create(table: "budget") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("tokens", .integer).notNull().unique().check { $0 > 0 }
                t.column("role", .text).notNull().check { ["indexed", "cache"].contains($0) }
                t.column("generation", .integer).notNull().defaults(to: 0)
                t.column("addedAt", .datetime).notNull()
            }

            try db.create(table: "video") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("path", .text).notNull().unique()
                t.column("size", .integer).notNull()
                t.column("mtime", .double).notNull()
                t.column("contentHash", .text).notNull()
                t.column("duration", .double)
                t.column("fps", .double)
                t.column("frameCount", .integer)
                t.column("width", .integer)
                t.column("height", .integer)
                t.column("codec", .text)
                t.column("rotation", .integer)
                t.column("indexedAt", .datetime).notNull()
            }

            try db.create(table: "clip") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("videoId", .integer).notNull().references("video", onDelete: .cascade)
                t.column("start", .double).notNull()
                t.column("end", .double).notNull()
                t.column("budget", .integer).notNull().references("budget", column: "tokens")
                t.column("kind", .text).notNull().check { ["video", "segment"].contains($0) }
                t.column("embedding", .blob).notNull()
                // Also serves lookups by videoId (leftmost column).
                t.uniqueKey(["videoId", "start", "end", "budget"])
            }
            // Per-budget scans for FAISS builds (covering for id lists).
            try db.create(index: "clip_on_budget_id", on: "clip", columns: ["budget", "id"])

            try db.create(table: "indexingFailure") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("path", .text).notNull().unique()
                t.column("stage", .text).notNull()
                t.column("reason", .text).notNull()
                t.column("occurredAt", .datetime).notNull()
            }

            try db.create(table: "bankEntry") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("text", .text).notNull().unique()
                t.column("source", .text).notNull()
                t.column("embedding", .blob)
                t.column("addedAt", .datetime).notNull()
            }

            // The generation of a budget changes in the same transaction as its clips, whatever
            // the code path (including ON DELETE CASCADE from video, which fires these triggers).
            try db.execute(sql: """
                CREATE TRIGGER clip_insert_bumps_generation AFTER INSERT ON clip BEGIN
                    UPDATE budget SET generation = generation + 1 WHERE tokens = NEW.budget;
                END;
                CREATE TRIGGER clip_delete_bumps_generation AFTER DELETE ON clip BEGIN
                    UPDATE budget SET generation = generation + 1 WHERE tokens = OLD.budget;
                END;
                CREATE TRIGGER clip_is_immutable BEFORE UPDATE ON clip BEGIN
                    SELECT RAISE(ABORT, 'clip rows are immutable: delete the clip and insert a new one');
                END;
                """)
        }
        // v2: where the model was when the index was last built, so that later commands find it
        // without --model.
        migrator.registerMigration("v2") { db in
            try db.alter(table: "indexSettings") { t in t.add(column: "modelPath", .text) }
        }
        // v3: the container's recording time (filters by date), and an index that finds a
        // budget's clips of a video without reading clip rows (filters read only it).
        migrator.registerMigration("v3") { db in
            try db.alter(table: "video") { t in t.add(column: "creationTime", .double) }
            try db.create(index: "clip_by_video_budget", on: "clip", columns: ["videoId", "budget", "kind"])
        }
        // v4: transcripts (sidecar files and subtitle streams) with their timed cues, and an FTS5
        // index over the cue text. Tokenizer: `porter unicode61 remove_diacritics 2` — unicode61
        // splits words in any script and folds case; remove_diacritics 2 makes "cafe" find "café"
        // (also for characters with several marks); porter stems English ("running" finds
        // "runs"). Porter leaves most non-English words as they are, so other languages still
        // match whole words. The FTS table is external-content: it stores only the index, the
        // text lives once in `cue`, and triggers keep the two in step (also on cascades).
        migrator.registerMigration("v4") { db in
            try db.alter(table: "video") { t in t.add(column: "transcriptsReadAt", .datetime) }
            try db.create(table: "transcript") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("videoId", .integer).notNull().references("video", onDelete: .cascade)
                t.column("source", .text).notNull()
                t.column("kind", .text).notNull().check { ["sidecar", "stream"].contains($0) }
                t.column("format", .text).notNull()
                t.column("language", .text)
                t.column("encoding", .text)
                t.column("size", .integer)
                t.column("mtime", .double)
                t.column("error", .text)
                t.column("readAt", .datetime).notNull()
                t.uniqueKey(["videoId", "source"])
            }
            try db.create(table: "cue") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("transcriptId", .integer).notNull().references("transcript", onDelete: .cascade)
                t.column("videoId", .integer).notNull()
                t.column("start", .double).notNull()
                t.column("end", .double).notNull()
                t.column("text", .text).notNull()
            }
            try db.create(index: "cue_by_transcript", on: "cue", columns: ["transcriptId"])
            try db.create(index: "cue_by_video", on: "cue", columns: ["videoId", "start"])
            try db.execute(sql: """
                CREATE VIRTUAL TABLE cue_fts USING fts5(
                    text, content='cue', content_rowid='id',
                    tokenize='porter unicode61 remove_diacritics 2');
                CREATE TRIGGER cue_insert_indexes_text AFTER INSERT ON cue BEGIN
                    INSERT INTO cue_fts(rowid, text) VALUES (NEW.id, NEW.text);
                END;
                CREATE TRIGGER cue_delete_unindexes_text AFTER DELETE ON cue BEGIN
                    INSERT INTO cue_fts(cue_fts, rowid, text) VALUES ('delete', OLD.id, OLD.text);
                END;
                CREATE TRIGGER cue_is_immutable BEFORE UPDATE ON cue BEGIN
                    SELECT RAISE(ABORT, 'cue rows are immutable: delete the cue and insert a new one');
                END;
                """)
        }
        // v5: distributed indexing. `shardRecord` (one row at most): which shard of which file
        // list an index made by `index --shard I/N` holds. `mergedShard`: the shards `merge`
        // copied into this index, one row each, written in the same transaction as the rows.
        migrator.registerMigration("v5") { db in
            try db.create(table: "shardRecord") { t in
                t.column("id", .integer).notNull().primaryKey().check { $0 == 1 }
                t.column("shardIndex", .integer).notNull().check { $0 >= 0 }
                t.column("shardCount", .integer).notNull().check { $0 >= 1 }
                t.column("fileListDigest", .text).notNull()
            }
            try db.create(table: "mergedShard") { t in
                t.column("indexUUID", .text).notNull().primaryKey()
                t.column("path", .text).notNull()
                t.column("shardIndex", .integer)
                t.column("shardCount", .integer)
                t.column("fileListDigest", .text)
                t.column("videos", .integer).notNull()
                t.column("clips", .integer).notNull()
                t.column("failures", .integer).notNull()
                t.column("mergedAt", .datetime).notNull()
            }
        }
        return migrator
    }
}
