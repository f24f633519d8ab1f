-- A conversation's last activity is when its last message came: kept by the
-- database as each message is written (a visitor's question, an answer, an
-- operator's reply), instead of by a statement of its own after each, which
-- on PGlite's one connection was one more round trip a visitor's question
-- could wait behind ingestion for.
CREATE FUNCTION "chat_session_touched"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "chat_sessions" SET "last_activity_at" = NEW."created_at"
  WHERE "id" = NEW."session_id" AND "last_activity_at" < NEW."created_at";
  RETURN NULL;
END
$$;

CREATE TRIGGER "messages_touch_session" AFTER INSERT ON "messages"
  FOR EACH ROW EXECUTE FUNCTION "chat_session_touched"();
