-- Concurrency per stage is bounded in SQL: at most max_workers workers hold a slot, only they
-- claim, an expired slot is free again, and releasing the last slot wakes the stage when work
-- is left.
begin;
select plan(8);
select tests.create_engine_fixture();
select switchboard.set_secret('switchboard_functions_url', 'http://127.0.0.1:9');
select switchboard.set_secret('switchboard_worker_secret', 'test-secret');

select is(array[switchboard.acquire_worker_slot('test_a', 'w1', now()), switchboard.acquire_worker_slot('test_a', 'w2', now())],
  array[1, 2], 'two workers take the two slots');
select is(switchboard.acquire_worker_slot('test_a', 'w3', now()), null, 'a third gets none');
select is(switchboard.acquire_worker_slot('test_a', 'w1', now()), 1, 'a holder renews its own slot');
select is(switchboard.acquire_worker_slot('test_a', 'w3', now() + interval '61 seconds'), 1,
  'a slot whose holder went quiet past its lease is free again');

update switchboard.stages set enabled = false where name = 'test_a';
select is(switchboard.acquire_worker_slot('test_a', 'w4', now() + interval '200 seconds'), null, 'a disabled stage gives no slots');
update switchboard.stages set enabled = true where name = 'test_a';

insert into tests.subjects (label) values ('one');
select ok(not switchboard.release_worker_slot('test_a', 'w1', now() - interval '1 hour'),
  'releasing with nothing visible wakes nothing');
update switchboard.stages set last_woken_at = null where name = 'test_a';
select ok(switchboard.release_worker_slot('test_a', 'w3', now() + interval '62 seconds'),
  'releasing while work is visible wakes the stage again');
select is((select worker_id from switchboard.worker_slots where stage = 'test_a' and slot = 1), null, 'the slot is free');

select * from finish();
rollback;
