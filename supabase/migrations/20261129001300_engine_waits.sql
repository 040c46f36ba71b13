-- Waiting is not failing. Some stages must stop and wait for something outside the worker:
-- today's spend budget (calls wait in `budget_wait` until the day rolls over or an operator
-- raises the cap), or a vendor's completion webhook (AssemblyAI calls back when a transcript is
-- done). The engine gives them one transition each way:
--
--   defer(token, until, reason)        the claim ends without an attempt counted; the item is
--                                      pending again from `until`, marked waiting_for = reason,
--                                      and the subject's status says the reason
--   resume(kind, subject, stage)       something arrived: run the item now
--   resume_waiting(reason, stage)      everything waiting for a reason runs now (budget raised)
--   send_back(kind, subject, stage)    a finished or failed item runs a stage again (re-summarize)
--
-- The stage handler runs again after a wait and finds what it waited for (idempotently).

alter table switchboard.work_items add column waiting_for text;
comment on column switchboard.work_items.waiting_for is
  'Why a pending item waits (budget_wait, a vendor callback …); cleared once it is claimed or moves on.';
create index work_items_waiting_idx on switchboard.work_items (waiting_for, stage) where waiting_for is not null;

alter table switchboard.stage_attempts drop constraint stage_attempts_outcome_check;
alter table switchboard.stage_attempts add constraint stage_attempts_outcome_check
  check (outcome in ('completed', 'retry', 'failed', 'released', 'lease_expired', 'deferred'));

-- A wait lasts only while the item sits pending: any claim, stage change or end clears it, so
-- no transition elsewhere has to remember to.
create function switchboard.tg_work_items_clear_wait()
returns trigger
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
  if new.waiting_for is not null
    and (new.status <> 'pending' or new.token is not null or new.stage is distinct from old.stage) then
    new.waiting_for := null;
  end if;
  return new;
end
$$;

create trigger tg_work_items__clear_wait
before update of status, token, stage on switchboard.work_items
for each row when (old.waiting_for is not null or new.waiting_for is not null)
execute function switchboard.tg_work_items_clear_wait();

-- The claim with token p_token ends in a wait until p_until (at the latest) for p_reason. The
-- attempt does not count and the retry horizon starts again when the item runs. False when the
-- token is no longer current.
create function switchboard.defer(
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
  update switchboard.stage_attempts a set finished_at = p_now, outcome = 'deferred', error_code = p_reason
  where a.id = p_token;
  update switchboard.work_items w
  set status = 'pending', token = null, locked_by = null, leased_until = null, run_after = v_until,
      attempts = greatest(w.attempts - 1, 0), updated_at = p_now
  where w.id = v_item.id;
  -- After the status change, which clears any earlier wait.
  update switchboard.work_items w set waiting_for = p_reason where w.id = v_item.id;
  -- A fresh message, hidden until then: the old one's read count would otherwise climb with
  -- every wait towards the poison limit, though a wait is not an attempt.
  select s.queue_name into v_queue from switchboard.stages s where s.name = v_item.stage;
  if v_item.msg_id is not null then
    perform pgmq.delete(v_queue, v_item.msg_id);
  end if;
  v_msg_id := pgmq.send(v_queue, pg_catalog.jsonb_build_object('id', v_item.subject_id),
    least(pg_catalog.ceil(extract(epoch from v_until - p_now)), 2147483647)::integer);
  update switchboard.work_items w set msg_id = v_msg_id where w.id = v_item.id;
  perform switchboard.set_subject_status(v_item.subject_kind, v_item.subject_id, p_reason);
  return true;
end
$$;

-- release (first defined with the engine) gives its item a fresh message too, for the same
-- reason: a worker stopping at its budget again and again must not make the item look poisoned.
create or replace function switchboard.release(p_token bigint, p_now timestamptz default now())
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
begin
  select * into v_item from switchboard.work_items w
  where w.token = p_token and w.status = 'running'
  for update;
  if not found then
    return false;
  end if;
  update switchboard.stage_attempts a set finished_at = p_now, outcome = 'released' where a.id = p_token;
  select s.queue_name into v_queue from switchboard.stages s where s.name = v_item.stage;
  if v_item.msg_id is not null then
    perform pgmq.delete(v_queue, v_item.msg_id);
  end if;
  v_msg_id := pgmq.send(v_queue, pg_catalog.jsonb_build_object('id', v_item.subject_id));
  update switchboard.work_items w
  set status = 'pending', token = null, locked_by = null, leased_until = null, run_after = p_now,
      attempts = greatest(w.attempts - 1, 0), updated_at = p_now, msg_id = v_msg_id
  where w.id = v_item.id;
  return true;
end
$$;

-- Makes one waiting item runnable now (its message visible, its stage woken). p_stage, when
-- given, must be the stage it waits in. False when it is not waiting.
create function switchboard.resume(
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
  update switchboard.work_items w
  set run_after = p_now, stage_entered_at = p_now, waiting_for = null, updated_at = p_now
  where w.subject_kind = p_kind and w.subject_id = p_subject_id and w.status = 'pending'
    and w.waiting_for is not null and (p_stage is null or w.stage = p_stage)
  returning w.* into v_item;
  if not found then
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

-- Resumes every item waiting for p_reason (optionally in one stage). Returns how many.
create function switchboard.resume_waiting(
  p_reason text,
  p_stage text default null,
  p_now timestamptz default now()
)
returns integer
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_item record;
  v_count integer := 0;
begin
  for v_item in
    select w.subject_kind, w.subject_id, w.stage
    from switchboard.work_items w
    where w.waiting_for = p_reason and w.status = 'pending' and (p_stage is null or w.stage = p_stage)
    order by w.run_after, w.id
  loop
    if switchboard.resume(v_item.subject_kind, v_item.subject_id, v_item.stage, p_now) then
      v_count := v_count + 1;
    end if;
  end loop;
  return v_count;
end
$$;

-- Runs p_stage again for a subject whose item is done, failed, or pending elsewhere (e.g. a
-- re-summary on demand, which then flows on to publishing). False while the item is running
-- (try again once it is done) or when the stage does not take this kind of subject.
create function switchboard.send_back(
  p_kind text,
  p_subject_id bigint,
  p_stage text,
  p_now timestamptz default now()
)
returns boolean
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_stage switchboard.stages;
  v_item switchboard.work_items;
  v_msg_id bigint;
begin
  select * into v_stage from switchboard.stages s where s.name = p_stage and s.subject_kind = p_kind;
  if not found then
    return false;
  end if;
  select * into v_item from switchboard.work_items w
  where w.subject_kind = p_kind and w.subject_id = p_subject_id
  for update;
  if not found or v_item.status = 'running' then
    return false;
  end if;
  v_msg_id := pgmq.send(v_stage.queue_name, pg_catalog.jsonb_build_object('id', p_subject_id));
  update switchboard.work_items w
  set stage = p_stage, status = 'pending', attempts = 0, stage_entered_at = p_now, run_after = p_now,
      msg_id = v_msg_id, last_error = null, updated_at = p_now
  where w.id = v_item.id;
  perform switchboard.set_subject_status(p_kind, p_subject_id, v_stage.pending_status);
  perform switchboard.wake(p_stage, p_now);
  return true;
end
$$;
