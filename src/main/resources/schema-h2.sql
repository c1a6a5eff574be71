-- The embedded H2 (MySQL mode) twin of schema.sql: same tables, columns and indexes. user_id is
-- VARCHAR(256) here because H2 counts UTF-16 units, and 128 code points may take 256 of them. H2 compares
-- VARCHAR exactly, trailing spaces included, as schema.sql's NO PAD collations do: no collation is needed.

CREATE TABLE IF NOT EXISTS events (
  seq         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  id          VARCHAR(64)  NOT NULL,
  type        VARCHAR(510) NOT NULL,
  source      VARCHAR(510) NOT NULL,
  user_id     VARCHAR(256) NULL,
  event_time  TIMESTAMP(3) NULL,
  data        JSON         NOT NULL,
  received_at TIMESTAMP(3) NOT NULL,
  created_at  TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  key_name    VARCHAR(64)  NULL,
  CONSTRAINT uk_events_id UNIQUE (id)
);
CREATE INDEX IF NOT EXISTS idx_events_type_created ON events (type, created_at);
CREATE INDEX IF NOT EXISTS idx_events_user_created ON events (user_id, created_at);

CREATE TABLE IF NOT EXISTS events_dead_letter (
  seq        BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  event_id   VARCHAR(64)  NOT NULL,
  event      CLOB         NOT NULL,
  error      CLOB         NOT NULL,
  attempts   INT          NOT NULL,
  failed_at  TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
);
CREATE INDEX IF NOT EXISTS idx_dead_letter_event_id ON events_dead_letter (event_id);
CREATE INDEX IF NOT EXISTS idx_dead_letter_failed_at ON events_dead_letter (failed_at);
