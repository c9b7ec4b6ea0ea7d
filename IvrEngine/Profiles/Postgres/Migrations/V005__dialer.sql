-- V005: outgoing campaigns (the dialer, docs/store.md "Outgoing campaigns"): the campaigns, the people each one calls,
-- and the numbers no campaign dials.

-- A campaign as its JSON (OutboundCampaign), with what is queried or checked beside it.
CREATE TABLE outbound_campaigns (
    id         text COLLATE "C" PRIMARY KEY,
    state      text        NOT NULL,             -- Draft, Running, Paused, Stopped, Completed
    version    integer     NOT NULL,             -- optimistic concurrency: an update names the version it read
    created_at timestamptz NOT NULL,
    campaign   jsonb       NOT NULL
);

-- One row a contact of a campaign. Each engine claims due contacts with SELECT ... FOR UPDATE SKIP LOCKED: a row one
-- engine is claiming is passed over by the others, so each attempt goes to exactly one engine.
CREATE TABLE campaign_contacts (
    id                uuid        PRIMARY KEY,
    seq               bigint      GENERATED ALWAYS AS IDENTITY,   -- the order contacts were added in
    campaign_id       text COLLATE "C" NOT NULL REFERENCES outbound_campaigns (id) ON DELETE CASCADE,
    client_id         uuid,
    phone             text COLLATE "C" NOT NULL,
    name              text,
    time_zone         text        NOT NULL,
    status            text        NOT NULL,      -- Pending, Dialing, Done, Exhausted, DoNotCall, Unknown
    attempts          integer     NOT NULL DEFAULT 0,
    next_attempt_at   timestamptz,               -- null: as soon as the calling hours allow
    last_outcome      text,
    last_hangup_cause text,
    last_attempt_at   timestamptz,
    call_uuid         text,                      -- the attempt in progress or the last one
    claimed_by        text,                      -- the engine that claimed the attempt in progress
    result            text,
    answers           jsonb       NOT NULL DEFAULT '{}',
    agent             text,
    version           integer     NOT NULL DEFAULT 1,
    UNIQUE (campaign_id, phone)
);

-- The claim: a campaign's pending contacts, oldest due first (no next attempt: due from the start), bounded by now.
CREATE INDEX campaign_contacts_due ON campaign_contacts (campaign_id, (coalesce(next_attempt_at, '-infinity'::timestamptz)), seq)
    WHERE status = 'Pending';

-- A campaign's list in the order its contacts were added, and its totals.
CREATE INDEX campaign_contacts_by_campaign ON campaign_contacts (campaign_id, seq);

-- The attempts an engine had in progress (read after its restart).
CREATE INDEX campaign_contacts_dialing ON campaign_contacts (claimed_by) WHERE status = 'Dialing';

-- Numbers no campaign dials.
CREATE TABLE do_not_call (
    phone  text COLLATE "C" PRIMARY KEY,
    reason text        NOT NULL,
    at     timestamptz NOT NULL
);
