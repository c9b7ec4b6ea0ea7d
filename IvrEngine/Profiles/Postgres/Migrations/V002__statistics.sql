-- The statistics' totals (docs/statistics.md, "On PostgreSQL"): one row per slice and hour, one per slice and UTC day
-- (pairs of dimensions by day only), one per step of a flow and UTC day. Engines add to them with
-- INSERT ... ON CONFLICT DO UPDATE SET col = row's col + the added col: the row is locked while it is added to, so
-- engines adding to the same slice at once never lose a count.

-- Two arrays of counts added position by position (a histogram's buckets); the shorter one counts as zeros beyond its
-- end, so a later engine with one more bucket adds to rows an older one made.
CREATE FUNCTION ivr_add_counts(a bigint[], b bigint[]) RETURNS bigint[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT coalesce(array_agg(coalesce(x, 0) + coalesce(y, 0) ORDER BY i), '{}')
    FROM unnest(a, b) WITH ORDINALITY AS u(x, y, i)
$$;

-- Two objects of counts added key by key (a funnel step's destinations).
CREATE FUNCTION ivr_add_counts(a jsonb, b jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT coalesce(jsonb_object_agg(k, coalesce((a ->> k)::bigint, 0) + coalesce((b ->> k)::bigint, 0)), '{}')
    FROM (SELECT jsonb_object_keys(a) UNION SELECT jsonb_object_keys(b)) AS keys(k)
$$;

-- A slice: by_day false is the hour starting at "at", true the UTC day starting at "at". A pair of dimensions
-- (dimension "queue+agent") has value (the first's) and other (the second's); the others have other ''. The keys are in
-- the "C" collation: compared byte by byte, ordered the same on every server. Fillfactor 80 leaves room in each page
-- for an added-to row's new version (its keys do not change: a HOT update, no index touched).
CREATE TABLE stat_slices (
    dimension        text COLLATE "C" NOT NULL,
    by_day           boolean          NOT NULL,
    at               timestamptz      NOT NULL,
    value            text COLLATE "C" NOT NULL,
    other            text COLLATE "C" NOT NULL DEFAULT '',
    calls            bigint           NOT NULL DEFAULT 0,
    menu_calls       bigint           NOT NULL DEFAULT 0,
    contained        bigint           NOT NULL DEFAULT 0,
    menu_abandoned   bigint           NOT NULL DEFAULT 0,
    menu_failed      bigint           NOT NULL DEFAULT 0,
    queued           bigint           NOT NULL DEFAULT 0,
    answered         bigint           NOT NULL DEFAULT 0,
    abandoned        bigint           NOT NULL DEFAULT 0,
    overflowed       bigint           NOT NULL DEFAULT 0,
    transfers        bigint           NOT NULL DEFAULT 0,
    offers           bigint           NOT NULL DEFAULT 0,
    offers_missed    bigint           NOT NULL DEFAULT 0,
    repeats          bigint           NOT NULL DEFAULT 0,
    wrap_ups         bigint           NOT NULL DEFAULT 0,
    requests         bigint           NOT NULL DEFAULT 0,
    wrap_up_seconds  double precision NOT NULL DEFAULT 0,
    menu_seconds     double precision NOT NULL DEFAULT 0,
    wait_seconds     double precision NOT NULL DEFAULT 0,
    talk_seconds     double precision NOT NULL DEFAULT 0,
    waits            bigint[]         NOT NULL DEFAULT '{}',
    answered_waits   bigint[]         NOT NULL DEFAULT '{}',
    dispositions     bigint[]         NOT NULL DEFAULT '{}',
    PRIMARY KEY (dimension, by_day, at, value, other)
) WITH (fillfactor = 80);

-- A report filtered on one value (and every pair, read by its first value) seeks that value's rows.
CREATE INDEX stat_slices_by_value ON stat_slices (dimension, by_day, value, at, other);

-- A step of a flow on a UTC day; "transferred" is StepTotals.Left (the callers the step transferred), "left_to" how many
-- to each destination.
CREATE TABLE stat_steps (
    flow        text COLLATE "C" NOT NULL,
    day         date             NOT NULL,
    step        text COLLATE "C" NOT NULL,
    entered     bigint           NOT NULL DEFAULT 0,
    went_on     bigint           NOT NULL DEFAULT 0,
    timed_out   bigint           NOT NULL DEFAULT 0,
    invalid     bigint           NOT NULL DEFAULT 0,
    hung_up     bigint           NOT NULL DEFAULT 0,
    ended       bigint           NOT NULL DEFAULT 0,
    transferred bigint           NOT NULL DEFAULT 0,
    place_sum   bigint           NOT NULL DEFAULT 0,
    left_to     jsonb            NOT NULL DEFAULT '{}',
    PRIMARY KEY (flow, day, step)
) WITH (fillfactor = 80);
