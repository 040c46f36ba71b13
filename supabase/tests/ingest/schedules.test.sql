-- The pull-based doors run on pg_cron, each job one function call.
begin;
select plan(2);

select is(
  (select schedule || ' ' || command from cron.job where jobname = 'switchboard-openphone-backfill'),
  $$17 */6 * * * select switchboard.invoke_function('openphone-backfill', '{}'::jsonb, 5000)$$,
  'the OpenPhone backfill runs every 6 hours');
select is(
  (select schedule || ' ' || command from cron.job where jobname = 'switchboard-drive-discover'),
  $$*/5 * * * * select switchboard.invoke_function('drive-discover', '{}'::jsonb, 5000)$$,
  'Drive discovery runs every 5 minutes');

select * from finish();
rollback;
