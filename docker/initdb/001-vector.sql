-- Run once by the postgres image when its volume is first created.
-- Parley's first migration also runs CREATE EXTENSION IF NOT EXISTS, which
-- needs a superuser; enabling it here lets the app run as a lesser role.
CREATE EXTENSION IF NOT EXISTS vector;
