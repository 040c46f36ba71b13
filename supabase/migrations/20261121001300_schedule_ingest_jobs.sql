-- The two pull-based doors, on pg_cron. Each job body is one call; the functions skip quietly
-- when their vendor is not configured (an install without Drive recordings, say).
--   backfill: every 6 hours, a 24-hour lookback (catches anything a webhook missed);
--   Drive discovery: every 5 minutes, from the stored changes token.
select cron.schedule(
  'switchboard-openphone-backfill',
  '17 */6 * * *',
  $$select switchboard.invoke_function('openphone-backfill', '{}'::jsonb, 5000)$$
);

select cron.schedule(
  'switchboard-drive-discover',
  '*/5 * * * *',
  $$select switchboard.invoke_function('drive-discover', '{}'::jsonb, 5000)$$
);
