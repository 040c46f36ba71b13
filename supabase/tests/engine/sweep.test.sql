-- The sweep wakes a stage only while it is enabled, has visible work and a free worker slot.
begin;
select plan(5);
select tests.create_engine_fixture();
select switchboard.set_secret('switchboard_functions_url', 'http://127.0.0.1:9');
select switchboard.set_secret('switchboard_worker_secret', 'test-secret');
update switchboard.stages set enabled = false where name not in ('test_a', 'test_b');

select is(switchboard.sweep(now() + interval '1 minute'), 0, 'no visible work: nothing is woken');
insert into tests.subjects (label) values ('one');
select is(switchboard.sweep(now() + interval '1 minute'), 1, 'visible work in an enabled stage: woken');

select switchboard.acquire_worker_slot('test_a', 'w1', now() + interval '1 minute');
select switchboard.acquire_worker_slot('test_a', 'w2', now() + interval '1 minute');
select is(switchboard.sweep(now() + interval '1 minute'), 0, 'every slot held by a live worker: not woken');

select switchboard.release_worker_slot('test_a', 'w2', now() + interval '1 minute');
update switchboard.stages set enabled = false where name = 'test_a';
select is(switchboard.sweep(now() + interval '1 minute'), 0, 'a disabled stage is never woken');
select is((select beat_at from switchboard.heartbeats where name = 'sweep'), now() + interval '1 minute',
  'the sweep writes its heartbeat');

select * from finish();
rollback;
