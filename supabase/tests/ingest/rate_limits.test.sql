-- reserve_rate_limit: one shared budget per key; slots 1/rate apart after the burst; a block
-- pushes everyone back.
begin;
select plan(8);

select is(switchboard.reserve_rate_limit('t:key', 10, 1, '2026-01-01 00:00:00+00'), 0, 'the first request goes now');
select is(switchboard.reserve_rate_limit('t:key', 10, 1, '2026-01-01 00:00:00+00'), 100, 'the next waits one slot');
select is(switchboard.reserve_rate_limit('t:key', 10, 1, '2026-01-01 00:00:00+00'), 200, 'and the next two');
select is(switchboard.reserve_rate_limit('t:other', 10, 1, '2026-01-01 00:00:00+00'), 0, 'another key has its own budget');
select is(switchboard.reserve_rate_limit('t:key', 10, 1, '2026-01-01 00:00:05+00'), 0, 'an idle key is free again');

select switchboard.block_rate_limit('t:key', '2026-01-01 00:00:10+00', '2026-01-01 00:00:05+00');
select is(switchboard.reserve_rate_limit('t:key', 10, 1, '2026-01-01 00:00:06+00'), 4000, 'a block holds every caller back');

select switchboard.block_rate_limit('t:burst2', '2026-01-01 00:00:03+00', '2026-01-01 00:00:00+00');
select is(switchboard.reserve_rate_limit('t:burst2', 10, 3, '2026-01-01 00:00:00+00'), 3000, 'a burst never reaches into a block');

-- Ten reservations at one instant with a burst of 3: three now, the rest a slot apart.
select is(
  (select array_agg(switchboard.reserve_rate_limit('t:burst', 10, 3, '2026-01-01 00:00:00+00')) from generate_series(1, 5)),
  array[0, 0, 0, 100, 200],
  'a burst goes at once, then the rate');

select * from finish();
rollback;
