-- AlterTable
ALTER TABLE "api_keys" ADD COLUMN     "created_by_id" UUID,
ADD COLUMN     "preview" BOOLEAN NOT NULL DEFAULT false;

-- The keys earlier consoles made for their previews (an hour each, one per page view): hidden from the lists too.
UPDATE "api_keys" SET "preview" = true WHERE "name" = 'Console preview' AND "expires_at" IS NOT NULL;
