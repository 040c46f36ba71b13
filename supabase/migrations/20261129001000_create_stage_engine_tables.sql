-- The stage engine's state (ARCHITECTURE §3). Every stage of every pipeline runs through the
-- same tables and the same functions (next migration); a stage is only its handler.
--
--   stages        the registry: one pgmq queue and one edge function per stage, plus its tunables
--   subject_kinds which table a stage's rows live in (calls, messages, probes …)
--   work_items    one row per subject: which stage it is in and whether it is pending, running
--                 (leased, with a fencing token), done or failed
--   stage_attempts every claim of an item, with its outcome and duration; its id is the claim's
--                 fencing token, so completing needs the id of the attempt that is still current
--   dead_letters  what gave up (permanent errors, retries past the horizon, poison messages)
--   worker_slots  at most max_workers concurrent drains per stage, across all invocations
--
-- The queue message carries the subject id only ({"id": …}); the work item is the durable record
-- that work is owed. pgmq's visibility timeout hides a claimed message for as long as the item's
-- lease lasts, and the watchdog repairs whatever a crash leaves behind.

create table switchboard.subject_kinds (
  kind text primary key check (kind ~ '^[a-z][a-z0-9_]{0,40}$'),
  -- The table holding the subjects (schema-qualified), with a bigint id.
  table_name text not null,
  -- A text column mirroring where the subject is (for people reading the table in Studio), or
  -- null when the table has none.
  status_column text
);
alter table switchboard.subject_kinds enable row level security;
comment on table switchboard.subject_kinds is
  'Tables whose rows move through stages; status_column mirrors the pipeline position on the row.';

insert into switchboard.subject_kinds (kind, table_name, status_column) values
  ('probe', 'switchboard.probes', null),
  ('call', 'switchboard.calls', 'pipeline_status'),
  ('message', 'switchboard.messages', 'pipeline_status');

-- The registry gains the tunables operators edit (update switchboard.stages set … in Studio).
alter table switchboard.stages
  add column subject_kind text references switchboard.subject_kinds (kind),
  -- A disabled stage is never woken; its messages wait (e.g. until its function is deployed).
  add column enabled boolean not null default true,
  -- Where a completed item goes next (null: the pipeline ends here). A handler may name another.
  add column next_stage text references switchboard.stages (name),
  -- What the subject's status column says while the item is in this stage.
  add column pending_status text,
  add column batch_size integer not null default 10 check (batch_size between 1 and 500),
  -- How long a claim lasts: the message stays hidden and the item leased this long. Longer than
  -- a worker's time budget, so a live worker never loses its claim.
  add column visibility_timeout_seconds integer not null default 120
    check (visibility_timeout_seconds between 5 and 86400),
  add column max_workers integer not null default 2 check (max_workers between 1 and 100),
  -- How long a worker slot stays held without a sign of life (a claim, or the worker's
  -- heartbeat every 30 s), at most the visibility timeout. Short, so a worker killed mid-drain
  -- (the wall clock, a crash) frees its slot within this, not after a long claim's lease.
  add column slot_hold_seconds integer not null default 90 check (slot_hold_seconds between 10 and 3600),
  -- Retries: full-jitter exponential backoff, base · 2^(attempt-1) capped at retry_cap_seconds;
  -- a Retry-After from the vendor replaces the computed delay. An item gives up when it has been
  -- in the stage longer than retry_horizon or has made max_attempts attempts.
  add column retry_base_seconds numeric not null default 10 check (retry_base_seconds > 0),
  add column retry_cap_seconds numeric not null default 1200 check (retry_cap_seconds > 0),
  add column retry_horizon interval not null default interval '8 hours',
  add column max_attempts integer not null default 100 check (max_attempts between 1 and 10000),
  -- health_report() turns unhealthy when the oldest visible message is older than this.
  add column alert_after interval not null default interval '15 minutes';

create table switchboard.work_items (
  id bigint generated always as identity primary key,
  subject_kind text not null references switchboard.subject_kinds (kind),
  subject_id bigint not null,
  -- The stage the item is in; for done and failed items, the last one.
  stage text not null references switchboard.stages (name),
  status text not null check (status in ('pending', 'running', 'done', 'failed')),
  -- Attempts made in the current stage (claims, including ones a crash interrupted).
  attempts integer not null default 0,
  -- When the item entered its stage: the retry horizon counts from here.
  stage_entered_at timestamptz not null,
  -- A pending item is not claimed before this (backoff).
  run_after timestamptz not null,
  -- The current claim: its fencing token (a stage_attempts id), owner and lease.
  token bigint,
  locked_by text,
  leased_until timestamptz,
  -- The message that stands for this item in its stage's queue.
  msg_id bigint,
  last_error jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (subject_kind, subject_id),
  check ((status = 'running') = (token is not null))
);
alter table switchboard.work_items enable row level security;
create index work_items_running_idx on switchboard.work_items (leased_until) where status = 'running';
create index work_items_pending_idx on switchboard.work_items (stage, run_after) where status = 'pending';
-- Unique (a token is one claim): a lookup by token is then one index probe in every plan,
-- generic ones included, never a bitmap over all running items (the partial running index
-- matches "status = 'running'" too, and a bitmap scan never skips its dead entries).
create unique index work_items_token_idx on switchboard.work_items (token) where token is not null;
comment on table switchboard.work_items is
  'Where each call, message or probe is in its pipeline; claims lease the row with a fencing token.';

create table switchboard.stage_attempts (
  -- The fencing token of the claim.
  id bigint generated always as identity primary key,
  item_id bigint not null references switchboard.work_items (id) on delete cascade,
  stage text not null,
  attempt integer not null,
  worker text not null,
  -- When the item became runnable for this attempt (queue wait = started_at - ready_at).
  ready_at timestamptz not null,
  started_at timestamptz not null,
  finished_at timestamptz,
  outcome text check (outcome in ('completed', 'retry', 'failed', 'released', 'lease_expired')),
  error_code text
);
alter table switchboard.stage_attempts enable row level security;
create index stage_attempts_item_idx on switchboard.stage_attempts (item_id);
create index stage_attempts_finished_idx on switchboard.stage_attempts (stage, finished_at);
comment on table switchboard.stage_attempts is
  'Every claim of a work item: outcome and duration. Its id is the fencing token of that claim.';

create table switchboard.dead_letters (
  id bigint generated always as identity primary key,
  stage text not null,
  -- Null for a poison message that names no item.
  item_id bigint references switchboard.work_items (id) on delete set null,
  subject_kind text,
  subject_id bigint,
  msg_id bigint,
  message jsonb,
  read_ct integer,
  error_code text not null,
  error_message text,
  retryable boolean not null default false,
  attempts integer not null default 0,
  first_attempt_at timestamptz,
  failed_at timestamptz not null,
  replayed_at timestamptz
);
alter table switchboard.dead_letters enable row level security;
create index dead_letters_open_idx on switchboard.dead_letters (stage, error_code) where replayed_at is null;
comment on table switchboard.dead_letters is
  'Work that gave up, with its error; switchboard.replay(…) sends it back to its stage.';

create table switchboard.worker_slots (
  stage text not null references switchboard.stages (name) on delete cascade,
  slot integer not null check (slot >= 1),
  worker_id text,
  held_until timestamptz,
  primary key (stage, slot)
);
alter table switchboard.worker_slots enable row level security;
comment on table switchboard.worker_slots is
  'Concurrent drains per stage: a worker holds a slot while it drains; stages.max_workers bounds them.';

-- Acknowledged alerts: health_report() is unhealthy while dead letters exist beyond the last
-- acknowledged one (select switchboard.acknowledge_dead_letters()).
create table switchboard.acknowledgements (
  name text primary key,
  last_id bigint not null,
  acknowledged_at timestamptz not null
);
alter table switchboard.acknowledgements enable row level security;

-- Queue tables churn (a send and a delete per item per stage): vacuum them early.
alter table switchboard.work_items set (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
alter table switchboard.worker_slots set (autovacuum_vacuum_scale_factor = 0.0, autovacuum_vacuum_threshold = 200);
