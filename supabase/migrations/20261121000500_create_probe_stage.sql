-- A diagnostic stage that proves the whole loop on any deployment: inserting a probe row fires
-- the trigger → pgmq.send + wake → pg_net → the `probe` function, which answers the probe.
--   insert into switchboard.probes default values returning id;
--   select answered_at, answered_by from switchboard.probes where id = …;  -- filled in seconds
create table switchboard.probes (
  id bigint generated always as identity primary key,
  requested_at timestamptz not null default now(),
  answered_at timestamptz,
  answered_by text
);
alter table switchboard.probes enable row level security;
comment on table switchboard.probes is
  'Loop probes: a row is answered by the probe function once its queue message is processed.';

select switchboard.register_stage('probe', 'probe');

create trigger tg_probes__enqueue
after insert on switchboard.probes
for each row execute function switchboard.tg_enqueue_row('probe');

-- Completes one probe message in one statement: answers the probe (first answer wins; a
-- redelivered message finds it answered) and deletes the message. True when this call answered.
create function switchboard.complete_probe(
  p_msg_id bigint,
  p_probe_id bigint,
  p_answered_by text,
  p_now timestamptz default now()
)
returns boolean
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_answered boolean;
begin
  update switchboard.probes p
  set answered_at = p_now, answered_by = p_answered_by
  where p.id = p_probe_id and p.answered_at is null;
  v_answered := found;
  perform pgmq.delete('probe_jobs', p_msg_id);
  return v_answered;
end
$$;
