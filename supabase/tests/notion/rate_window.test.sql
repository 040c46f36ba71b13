-- The per-window budget (reserve_rate_window): Notion's "N per minute, spendable in a burst",
-- a burst setting, several keys at once (connection and workspace), and 429 blocks.
begin;
select plan(14);

-- A whole minute's budget at once, then nothing until the first send is a minute old.
select is(
  (select array_agg(switchboard.reserve_rate_window('{t:all}', '{3}', '{3}', 60, '2026-11-29 10:00:00+00') order by g)
   from generate_series(1, 4) g),
  '{0,0,0,60000}'::integer[],
  'limit 3, burst 3: three at once, the fourth a window after the first');

-- A burst of 1 spreads the minute evenly.
select is(
  (select array_agg(switchboard.reserve_rate_window('{t:even}', '{3}', '{1}', 60, '2026-11-29 10:00:00+00') order by g)
   from generate_series(1, 4) g),
  '{0,20000,40000,60000}'::integer[],
  'limit 3, burst 1: one every 20 s');

-- Sliding, not fixed: half a minute later the window is still full.
select is(switchboard.reserve_rate_window('{t:slide}', '{2}', '{2}', 60, '2026-11-29 10:00:00+00'), 0, 'first');
select is(switchboard.reserve_rate_window('{t:slide}', '{2}', '{2}', 60, '2026-11-29 10:00:00+00'), 0, 'second');
select is(switchboard.reserve_rate_window('{t:slide}', '{2}', '{2}', 60, '2026-11-29 10:00:30+00'), 30000,
  'a third 30 s later waits until the first is a minute old');
select is(switchboard.reserve_rate_window('{t:slide}', '{2}', '{2}', 60, '2026-11-29 10:02:00+00'), 0,
  'after a quiet spell the budget is whole again');

-- Sent times kept per key: at most `limit` of them.
select is((select pg_catalog.array_length(sent, 1) from switchboard.rate_limits where key = 't:all'), 3,
  'a key keeps only its last `limit` send times');

-- A 429 blocks the key: everyone waits for it.
select switchboard.block_rate_limit('t:blocked', '2026-11-29 10:00:12+00', '2026-11-29 10:00:00+00');
select is(switchboard.reserve_rate_window('{t:blocked}', '{180}', '{180}', 60, '2026-11-29 10:00:00+00'), 12000,
  'a blocked key waits for the block');

-- Two keys: the request goes when both allow, and counts in both.
select switchboard.block_rate_limit('t:ws', '2026-11-29 10:00:05+00', '2026-11-29 10:00:00+00');
select is(switchboard.reserve_rate_window('{t:conn,t:ws}', array[180, null]::integer[], array[180, null]::integer[], 60,
  '2026-11-29 10:00:00+00'), 5000, 'a workspace block (no workspace pacing) delays the connection''s request');
select is((select sent from switchboard.rate_limits where key = 't:conn'), '{"2026-11-29 10:00:05+00"}'::timestamptz[],
  'the connection records the actual send time');
select is(switchboard.reserve_rate_window('{t:ws2,t:conn2}', '{1,5}', '{1,5}', 60, '2026-11-29 10:00:00+00')
  + switchboard.reserve_rate_window('{t:conn2,t:ws2}', '{5,1}', '{5,1}', 60, '2026-11-29 10:00:00+00'), 60000,
  'the tighter key decides, whatever the key order');

select throws_ok(
  $$select switchboard.reserve_rate_window('{a,b}', '{1}', '{1}')$$,
  '22023', 'reserve_rate_window: keys, limits and bursts must have the same length',
  'mismatched arrays are refused');

-- The settings row and its defaults.
select is((select property_map #>> '{calls,call_id,name}' from switchboard.notion_settings), 'Call ID',
  'notion_settings has one row with the default property map');
select is((select (requests_per_minute, burst, rate_window_seconds)::text from switchboard.notion_settings),
  '(180,180,60)', 'standard-workspace rate defaults');

select * from finish();
rollback;
