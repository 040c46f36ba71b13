-- A wake-up is a hint: when it cannot be sent (secrets missing), the write that enqueued still
-- succeeds and its message is queued for the sweep.
begin;
select plan(3);

select switchboard.register_stage('t_nowake', 't-nowake', 'probe');
delete from vault.secrets where name in ('switchboard_functions_url', 'switchboard_worker_secret');

select is(switchboard.invoke_function('t-nowake'), null, 'invoke_function returns null without its secrets');
select lives_ok($$select switchboard.enqueue('t_nowake', '{"id": 1}'::jsonb)$$, 'enqueue still succeeds');
select is((select count(*) from pgmq.q_t_nowake_jobs)::int, 1, 'and its message is queued');

select * from finish();
rollback;
