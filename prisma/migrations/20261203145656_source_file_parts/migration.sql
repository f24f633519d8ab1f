-- Uploaded files move to parts of 1 MiB, each written and read by a short
-- statement of its own; existing files keep their bytes as one part 0.

-- CreateTable
CREATE TABLE "source_file_parts" (
    "source_id" UUID NOT NULL,
    "part" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,

    CONSTRAINT "source_file_parts_pkey" PRIMARY KEY ("source_id","part")
);

-- AddForeignKey
ALTER TABLE "source_file_parts" ADD CONSTRAINT "source_file_parts_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "sources"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Keep what was uploaded before.
INSERT INTO "source_file_parts" ("source_id", "part", "data") SELECT "source_id", 0, "data" FROM "source_files";

-- DropTable
DROP TABLE "source_files";
