-- A resume that arrives while its item is still running is no longer lost.
--
-- call_transcribe submits a job and ends its claim in a wait (awaiting_transcript); AssemblyAI's
-- completion webhook resumes it. When the webhook came before the worker's defer committed (a
-- short recording, a fast vendor, a worker batching its completions), resume() found the item
-- running, not waiting, and did nothing; the defer then parked the item until its fallback
-- look-up (15 minutes later). Found by bench/call_stages.ts (AssemblyAI at zero latency: 1 call
-- in 40 stuck).
--
-- Now resume() on a running item records the claim it saw (work_items.resume_token), and a defer
-- of that same claim ends at once (the item is runnable now, its stage woken) instead of waiting.
-- A token is a claim's unique id, so a request never carries over to a later claim. resume()
-- still answers false for an item that is not waiting.

alter table switchboard.work_items add column resume_token bigint;
comment on column switchboard.work_items.resume_token is
  'A resume() arrived while this claim (token) was running: its defer ends at once, not waiting.';

create or replace function switchboard.defer(
  p_token bigint,
  p_until timestamptz,
  p_reason text,
  p_now timestamptz default now()
)
returns boolean
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_item switchboard.work_items;
  v_queue text;
  v_msg_id bigint;
  v_until timestamptz := greatest(p_until, p_now);
  v_resumed boolean;
begin
  if p_reason is null or p_reason !~ '^[a-z][a-z0-9_]{0,40}$' then
    raise exception 'A wait needs a reason like budget_wait' using errcode = 'invalid_parameter_value';
  end if;
  select * into v_item from switchboard.work_items w
  where w.token = p_token and w.status = 'running'
  for update;
  if not found then
    return false;
  end if;
  -- Resumed while it ran: the wait is over before it starts.
  v_resumed := v_item.resume_token is not distinct from p_token;
  if v_resumed then
    v_until := p_now;
  end if;
  update switchboard.stage_attempts a set finished_at = p_now, outcome = 'deferred', error_code = p_reason
  where a.id = p_token;
  update switchboard.work_items w
  set status = 'pending', token = null, locked_by = null, leased_until = null, run_after = v_until,
      attempts = greatest(w.attempts - 1, 0), updated_at = p_now, resume_token = null
  where w.id = v_item.id;
  select s.queue_name into v_queue from switchboard.stages s where s.name = v_item.stage;
  if v_item.msg_id is not null then
    perform pgmq.delete(v_queue, v_item.msg_id);
  end if;
  if v_resumed then
    v_msg_id := pgmq.send(v_queue, pg_catalog.jsonb_build_object('id', v_item.subject_id));
    update switchboard.work_items w set msg_id = v_msg_id where w.id = v_item.id;
    perform switchboard.set_subject_status(v_item.subject_kind, v_item.subject_id,
      (select s.pending_status from switchboard.stages s where s.name = v_item.stage));
    perform switchboard.wake(v_item.stage, p_now);
    return true;
  end if;
  -- After the status change, which clears any earlier wait.
  update switchboard.work_items w set waiting_for = p_reason where w.id = v_item.id;
  -- A fresh message, hidden until then: the old one's read count would otherwise climb with
  -- every wait towards the poison limit, though a wait is not an attempt.
  v_msg_id := pgmq.send(v_queue, pg_catalog.jsonb_build_object('id', v_item.subject_id),
    least(pg_catalog.ceil(extract(epoch from v_until - p_now)), 2147483647)::integer);
  update switchboard.work_items w set msg_id = v_msg_id where w.id = v_item.id;
  perform switchboard.set_subject_status(v_item.subject_kind, v_item.subject_id, p_reason);
  return true;
end
$$;

create or replace function switchboard.resume(
  p_kind text,
  p_subject_id bigint,
  p_stage text default null,
  p_now timestamptz default now()
)
returns boolean
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_item switchboard.work_items;
  v_stage switchboard.stages;
  v_msg_id bigint;
begin
  -- Waiting → runnable now. Running → noted for its claim's defer. Each statement sees what
  -- committed before it started, so a defer committing between the two is caught by the next
  -- round (at most a few: the item is either waiting, running or neither).
  for i in 1..3 loop
    update switchboard.work_items w
    set run_after = p_now, stage_entered_at = p_now, waiting_for = null, updated_at = p_now
    where w.subject_kind = p_kind and w.subject_id = p_subject_id and w.status = 'pending'
      and w.waiting_for is not null and (p_stage is null or w.stage = p_stage)
    returning w.* into v_item;
    exit when found;
    update switchboard.work_items w set resume_token = w.token
    where w.subject_kind = p_kind and w.subject_id = p_subject_id and w.status = 'running'
      and (p_stage is null or w.stage = p_stage);
    if found then
      return false;
    end if;
    if not exists (
      select 1 from switchboard.work_items w
      where w.subject_kind = p_kind and w.subject_id = p_subject_id and w.status = 'pending'
        and w.waiting_for is not null and (p_stage is null or w.stage = p_stage)
    ) then
      return false;
    end if;
  end loop;
  if v_item.id is null then
    return false;
  end if;
  select * into v_stage from switchboard.stages s where s.name = v_item.stage;
  if v_item.msg_id is null
    or not exists (select 1 from pgmq.set_vt(v_stage.queue_name, v_item.msg_id, 0)) then
    v_msg_id := pgmq.send(v_stage.queue_name, pg_catalog.jsonb_build_object('id', p_subject_id));
    update switchboard.work_items w set msg_id = v_msg_id where w.id = v_item.id;
  end if;
  perform switchboard.set_subject_status(p_kind, p_subject_id, v_stage.pending_status);
  perform switchboard.wake(v_stage.name, p_now);
  return true;
end
$$;
