-- The normalized model every door feeds (OpenPhone webhooks, the OpenPhone backfill, Google
-- Drive discovery): one row per call and per message, whatever order, duplication or damage the
-- deliveries arrive with.
--
-- Monotonic merging: each group of fields remembers the provider time of the event that last
-- set it (`field_versions`, e.g. {"lifecycle": "2026-03-04T14:05:22Z", "recordings": …}). A
-- stale event may fill a field that is still unknown, but never overwrites one set by a newer
-- event. Late artifacts (recordings, voicemail, provider transcript and summary) are their own
-- groups, so they attach in whatever order they arrive.

create table switchboard.phone_numbers (
  id text primary key,
  number text,
  name text,
  updated_at timestamptz not null default now()
);
alter table switchboard.phone_numbers enable row level security;
comment on table switchboard.phone_numbers is 'OpenPhone workspace numbers (PN…), from the backfill.';

create table switchboard.calls (
  id bigint generated always as identity primary key,
  source text not null check (source in ('openphone', 'drive')),
  -- OpenPhone call id (AC…) or Drive file id.
  external_id text not null,
  phone_number_id text,
  conversation_id text,
  user_id text,
  direction text check (direction in ('incoming', 'outgoing')),
  provider_status text,
  -- E.164. from/to are the two ends as the provider reports them; participants the external ones.
  from_number text,
  to_number text,
  participants text[] not null default '{}',
  started_at timestamptz,
  answered_at timestamptz,
  completed_at timestamptz,
  duration_sec integer check (duration_sec >= 0),
  -- [{id, url, type, duration_sec, status}], oldest first.
  recordings jsonb not null default '[]'::jsonb,
  -- {id, url, type, duration_sec, status, transcript}
  voicemail jsonb,
  -- The provider's own artifacts, when delivered: {status, dialogue: […]} / {status, summary: […], next_steps: […]}
  provider_transcript jsonb,
  provider_summary jsonb,
  -- Drive: contact name parsed from the file name; flags such as {"unparsed_name": true}.
  contact_name text,
  source_metadata jsonb not null default '{}'::jsonb,
  field_versions jsonb not null default '{}'::jsonb,
  -- Where the call is in the pipeline; a new call waits for its first stage, enrichment.
  pipeline_status text not null default 'enrich_pending',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (source, external_id)
);
alter table switchboard.calls enable row level security;
-- Legacy (v3) events carry no call id: they find their call by number and start time.
create index calls_number_started_idx on switchboard.calls (source, phone_number_id, started_at);
comment on table switchboard.calls is
  'One row per call, from any door. field_versions keeps merges monotonic; see the migration header.';

create table switchboard.messages (
  id bigint generated always as identity primary key,
  source text not null default 'openphone' check (source in ('openphone')),
  external_id text not null,
  phone_number_id text,
  conversation_id text,
  user_id text,
  direction text check (direction in ('incoming', 'outgoing')),
  provider_status text,
  from_number text,
  to_numbers text[] not null default '{}',
  body text,
  media jsonb not null default '[]'::jsonb,
  sent_at timestamptz,
  field_versions jsonb not null default '{}'::jsonb,
  -- Messages take the short path: straight to publishing.
  pipeline_status text not null default 'publish_pending',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (source, external_id)
);
alter table switchboard.messages enable row level security;
comment on table switchboard.messages is 'One row per SMS/MMS.';

-- contact.updated / contact.deleted events, kept for the contacts mirror (a later stage).
create table switchboard.contact_events (
  id bigint generated always as identity primary key,
  source text not null default 'openphone',
  external_contact_id text not null,
  event_type text not null check (event_type in ('contact.updated', 'contact.deleted')),
  contact jsonb,
  event_created_at timestamptz,
  received_at timestamptz not null,
  processed_at timestamptz
);
alter table switchboard.contact_events enable row level security;
create index contact_events_unprocessed_idx on switchboard.contact_events (id) where processed_at is null;

-- The inbox: every verified webhook delivery, once per delivery id.
create table switchboard.webhook_deliveries (
  id bigint generated always as identity primary key,
  source text not null default 'openphone',
  delivery_id text not null,
  event_id text,
  event_type text,
  scheme text not null check (scheme in ('standard', 'legacy')),
  api_version text,
  event_created_at timestamptz,
  received_at timestamptz not null,
  -- The parsed envelope; for a quarantined delivery, the raw body instead.
  payload jsonb,
  raw_body text,
  outcome text not null check (outcome in (
    'applied',          -- merged into a call, message or contact event
    'stale',            -- older than what we hold: only unknown fields were filled
    'duplicate_event',  -- same event id as an earlier delivery (a provider retry): nothing applied
    'unknown_type',     -- recorded and acknowledged, nothing to apply
    'quarantined'       -- verified but unparseable: kept for inspection
  )),
  detail text,
  call_id bigint references switchboard.calls (id),
  message_id bigint references switchboard.messages (id),
  unique (source, delivery_id)
);
alter table switchboard.webhook_deliveries enable row level security;
create index webhook_deliveries_event_idx on switchboard.webhook_deliveries (source, event_id);
comment on table switchboard.webhook_deliveries is
  'Webhook inbox: one row per delivery id; outcome says what it did. Quarantined rows keep the raw body.';
