-- Releasing a claim (a worker at its budget) or waiting is not an attempt, and must not push
-- the item towards the poison limit either: each gets a fresh message, so read_ct starts over.
begin;
select plan(3);
select tests.create_engine_fixture();
update switchboard.stages set max_attempts = 1 where name = 'test_a';
insert into tests.subjects (label) values ('one');

create function pg_temp.claim_and_release(p_at timestamptz) returns boolean language sql as $$
  select switchboard.acquire_worker_slot('test_a', 'w1', p_at);
  select switchboard.release((select token from switchboard.claim('test_a', 'w1', 10, p_at)), p_at);
$$;
select is((select count(*)::int from generate_series(1, 15) g where pg_temp.claim_and_release(now() + g * interval '1 second')),
  15, 'fifteen claims released one after another');
select is((select status || '/' || attempts from switchboard.work_items where subject_kind = 'test_subject'), 'pending/0',
  'the item is still pending with no attempt counted');
select is((select count(*)::int from switchboard.dead_letters where stage = 'test_a'), 0, 'and nothing was dead-lettered');

select * from finish();
rollback;
