-- Quarantine that cannot itself be refused.
--
-- A verified webhook delivery that intake cannot apply is kept in the inbox and acknowledged, so
-- the provider stops retrying it. Until now the quarantined body went through the same jsonb
-- argument and text column as everything else, and the bodies worth quarantining are exactly the
-- ones Postgres refuses there: a raw 0x00 byte, bytes that are not UTF-8 (a UTF-16 body). Such a
-- delivery failed with 500 on every retry and was never stored.
--
-- `raw_body_bytes` keeps the exact bytes of a body that is not storable text; `raw_body` keeps
-- text as before. `quarantine_webhook` takes plain arguments (no jsonb to parse) and writes only
-- the inbox row, so nothing in the body can make it fail. Read a quarantined body with
-- coalesce(raw_body, encode(raw_body_bytes, 'escape')).

alter table switchboard.webhook_deliveries add column raw_body_bytes bytea;
comment on column switchboard.webhook_deliveries.raw_body_bytes is
  'Quarantined bodies that are not storable text (NUL bytes, not UTF-8), byte for byte; raw_body is null then.';

-- One quarantined delivery: the inbox row only, outcome 'quarantined'. Dedupes by delivery id
-- like ingest_webhook (same advisory lock, so a concurrent copy going through ingest_webhook is
-- seen), and returns {outcome, delivery_id} or {outcome: 'duplicate_delivery'}.
-- The caller passes only values it has validated (ids bounded, the timestamp parsed); p_detail
-- says why, without quoting the body.
create function switchboard.quarantine_webhook(
  p_delivery_id text,
  p_scheme text,
  p_event_id text,
  p_event_type text,
  p_api_version text,
  p_event_created_at timestamptz,
  p_raw_body text,
  p_raw_body_bytes bytea,
  p_detail text,
  p_now timestamptz default now()
)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_row_id bigint;
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('switchboard.delivery:' || p_delivery_id, 0));
  insert into switchboard.webhook_deliveries (
    source, delivery_id, event_id, event_type, scheme, api_version, event_created_at,
    received_at, payload, raw_body, raw_body_bytes, outcome, detail
  ) values (
    'openphone', p_delivery_id, p_event_id, p_event_type, p_scheme, p_api_version, p_event_created_at,
    p_now, null, p_raw_body, p_raw_body_bytes, 'quarantined', p_detail
  )
  -- A copy of this delivery got here first (any outcome): it is already kept.
  on conflict (source, delivery_id) do nothing
  returning id into v_row_id;
  if v_row_id is null then
    return pg_catalog.jsonb_build_object('outcome', 'duplicate_delivery');
  end if;
  return pg_catalog.jsonb_build_object('outcome', 'quarantined', 'delivery_id', v_row_id);
end
$$;

-- Only the edge functions' role calls it (see 20261129000300 for the schema-wide rule).
revoke execute on function switchboard.quarantine_webhook(text, text, text, text, text, timestamptz, text, bytea, text, timestamptz)
  from public;
