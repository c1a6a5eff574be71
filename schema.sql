-- Event Pipeline schema for MySQL 8.0.17+ / MariaDB 10.6+. Applied idempotently at start-up (and by
-- docker compose's MySQL on first start). The embedded H2 database uses schema-h2.sql, its twin.
--
-- Text compares exactly, trailing spaces included ('u1' and 'u1 ' are two user ids, 'a' and 'a ' two event
-- ids): a NO PAD binary collation, which each server names differently. MariaDB runs only the /*M!100202 ...*/
-- comment (it skips MySQL's /*!80017 ...*/, as it skips every 5-digit version from 50700 on); MySQL runs only
-- /*!80017 ...*/ (to MySQL, /*M! is a plain comment). Tables created before are converted at start-up.

CREATE TABLE IF NOT EXISTS events (
  seq         BIGINT       NOT NULL AUTO_INCREMENT,
  id          VARCHAR(64)  NOT NULL,
  type        VARCHAR(255) NOT NULL,
  source      VARCHAR(255) NOT NULL,
  user_id     VARCHAR(128) NULL,
  event_time  DATETIME(3)  NULL,
  data        JSON         NOT NULL,
  received_at DATETIME(3)  NOT NULL,
  created_at  DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  key_name    VARCHAR(64)  NULL,
  PRIMARY KEY (seq),
  UNIQUE KEY uk_events_id (id),
  KEY idx_events_type_created (type, created_at),
  KEY idx_events_user_created (user_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 /*M!100202 COLLATE=utf8mb4_nopad_bin */ /*!80017 COLLATE=utf8mb4_0900_bin */;

CREATE TABLE IF NOT EXISTS events_dead_letter (
  seq        BIGINT      NOT NULL AUTO_INCREMENT,
  event_id   VARCHAR(64) NOT NULL,
  event      LONGTEXT    NOT NULL,
  error      TEXT        NOT NULL,
  attempts   INT         NOT NULL,
  failed_at  DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (seq),
  KEY idx_dead_letter_event_id (event_id),
  KEY idx_dead_letter_failed_at (failed_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 /*M!100202 COLLATE=utf8mb4_nopad_bin */ /*!80017 COLLATE=utf8mb4_0900_bin */;
