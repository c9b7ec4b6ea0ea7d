-- V001: the client store (IClientStore) and the agent desktop's part of it (IDeskStore): docs/store.md, "PostgreSQL".
-- Keys, versions and times are real columns; a card and a call record, which hold nested lists, are one JSON value
-- each (json, not jsonb: json keeps the text as written, so every string, "\u0000" included, every decimal digit
-- and every date's offset round-trip exactly). Keys compare byte for byte (COLLATE "C"), as LiteDB's ordinal keys do.

CREATE TABLE clients (
    id             uuid        PRIMARY KEY,
    version        integer     NOT NULL CHECK (version > 0),
    -- What the desk's search scans: the name and company lower-cased by the engine (invariant culture), NUL removed.
    search_name    text        NOT NULL,
    search_company text,
    created_at     timestamptz NOT NULL,
    card           json        NOT NULL
);

-- Every phone (E.164), account number and payment card fingerprint of a card is a row here: the primary key refuses
-- a key another client holds, whichever engine inserts it, however many insert at once. Written only with its card,
-- in the card's transaction; no foreign key: its per-row check halved the import's rate, and nothing deletes clients.
CREATE TABLE client_keys (
    kind      "char" NOT NULL CHECK (kind IN ('p', 'a', 'c')),  -- phone, account, card fingerprint
    key       text   COLLATE "C" NOT NULL,
    client_id uuid   NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE INDEX client_keys_by_client ON client_keys (client_id);

CREATE TABLE client_photos (
    client_id uuid  PRIMARY KEY REFERENCES clients (id) ON DELETE CASCADE,
    file_name text  NOT NULL,
    photo     bytea NOT NULL
);

-- One row per call record; a call may have several (the newest wins).
CREATE TABLE interactions (
    id            uuid        PRIMARY KEY,
    client_id     uuid,
    call_uuid     text        COLLATE "C" NOT NULL,
    caller_number text        COLLATE "C" NOT NULL,
    at            timestamptz NOT NULL,
    record        json        NOT NULL
);
CREATE INDEX interactions_by_client ON interactions (client_id, at DESC) WHERE client_id IS NOT NULL;
CREATE INDEX interactions_by_caller ON interactions (caller_number, at DESC);
CREATE INDEX interactions_by_call ON interactions (call_uuid, at DESC);

CREATE TABLE tickets (
    id         uuid        PRIMARY KEY,
    client_id  uuid        NOT NULL,
    call_uuid  text,
    subject    text        NOT NULL,
    status     text        NOT NULL,
    owner      text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz,
    version    integer     NOT NULL CHECK (version > 0)
);
CREATE INDEX tickets_by_client ON tickets (client_id, created_at);

CREATE TABLE campaigns (
    dnis      text COLLATE "C" PRIMARY KEY,
    name      text NOT NULL,
    service   text,
    language  text,
    hints     text,
    direction text NOT NULL
);

CREATE TABLE users (
    id             uuid        PRIMARY KEY,
    user_name      text        NOT NULL,
    -- The sign-in name lower-cased by the engine (invariant culture, as LiteDB's LOWER), whatever the database's locale.
    name_key       text        COLLATE "C" NOT NULL,
    display_name   text        NOT NULL,
    role           text        NOT NULL,
    password_hash  text        NOT NULL,
    agent          text        COLLATE "C",
    extension      text,
    disabled       boolean     NOT NULL,
    created_at     timestamptz NOT NULL,
    security_stamp integer     NOT NULL
);
CREATE UNIQUE INDEX users_by_name ON users (name_key);
CREATE UNIQUE INDEX users_by_agent ON users (agent) WHERE agent <> '';

CREATE TABLE api_tokens (
    id         uuid        PRIMARY KEY,
    name       text        NOT NULL,
    user_name  text        NOT NULL,
    hash       text        COLLATE "C" NOT NULL UNIQUE,
    scopes     text[]      NOT NULL,
    created_at timestamptz NOT NULL,
    revoked_at timestamptz
);

CREATE TABLE card_audit (
    id         uuid        PRIMARY KEY,
    client_id  uuid        NOT NULL,
    at         timestamptz NOT NULL,
    made_by    text        NOT NULL,
    what       text        NOT NULL,
    old_value  text,
    new_value  text,
    call_uuid  text,
    version    integer     NOT NULL
);
CREATE INDEX card_audit_by_client ON card_audit (client_id, at DESC);
