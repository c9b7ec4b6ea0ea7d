-- The live state every engine's agents see (docs/architecture.md, "Several engines"): the contexts of the calls
-- that live now, and which call is offered to which agent. Written by the engines, each write announced with
-- pg_notify('ivrengine_changes', 'kind|engine|id') in its own transaction.

-- One row a call, from the moment an engine's IVR takes it until a while after it ended (ended_at set; rows ended
-- over an hour ago are deleted by the engines' writers).
CREATE TABLE call_contexts (
    uuid        text        PRIMARY KEY,             -- the call's Unique-ID
    context_id  uuid        NOT NULL UNIQUE,         -- ivr_context_id on the channel
    ani         text        NOT NULL,
    dnis        text        NOT NULL,
    started_at  timestamptz NOT NULL,
    engine      text        NOT NULL,                -- Engine:Name of the engine whose IVR served the call
    box         text,                                -- the FreeSWITCH (Core-UUID) that owns the call, when known
    ivr_ended   boolean     NOT NULL DEFAULT false,
    client      jsonb,                               -- who was found: {clientId, code, reason, matchedBy}
    trail       jsonb,                               -- what the IVR did: {steps: [], keyed: {}}
    variables   jsonb       NOT NULL DEFAULT '{}',   -- what is on the channel: {name: value}
    updated_at  timestamptz NOT NULL DEFAULT now(),
    ended_at    timestamptz
);

-- The live rows (what an engine loads at start and after a resync).
CREATE INDEX call_contexts_live ON call_contexts (started_at) WHERE ended_at IS NULL;
CREATE INDEX call_contexts_ended ON call_contexts (ended_at) WHERE ended_at IS NOT NULL;

-- Which call rings, is on call or is wrapped up on which agent's desk: written by the one engine that holds the lease
-- of the FreeSWITCH box the call is on.
CREATE TABLE desk_offers (
    call_uuid   text        NOT NULL,
    agent       text        NOT NULL,
    state       text        NOT NULL,                -- ringing, on-call, wrap-up, gone
    queue       text,
    how         text        NOT NULL,                -- queue, direct, demo
    offered_at  timestamptz NOT NULL,
    answered_at timestamptz,
    ended_at    timestamptz,
    queued_at   timestamptz,
    box         text,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (call_uuid, agent)
);

CREATE INDEX desk_offers_updated ON desk_offers (updated_at);
