-- House rules for everything in the switchboard schema (Supabase advisor lints, kept in CI):
-- every function pins search_path; every table has RLS; no security definer functions unless
-- listed here; the API roles cannot reach the schema.
begin;
select plan(5);

select is(
  (select array_agg(p.proname::text order by p.proname)
   from pg_proc p join pg_namespace n on n.oid = p.pronamespace
   where n.nspname = 'switchboard'
     and not exists (select 1 from unnest(coalesce(p.proconfig, '{}')) c where c like 'search_path=%')),
  null,
  'every switchboard function sets search_path');

select is(
  (select array_agg(c.relname::text order by c.relname)
   from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where n.nspname = 'switchboard' and c.relkind in ('r', 'p') and not c.relrowsecurity),
  null,
  'every switchboard table has row level security enabled');

select is(
  (select array_agg(p.proname::text order by p.proname)
   from pg_proc p join pg_namespace n on n.oid = p.pronamespace
   where n.nspname = 'switchboard' and p.prosecdef),
  null,
  'no security definer functions in switchboard');

select ok(not has_schema_privilege('anon', 'switchboard', 'usage'), 'anon cannot use the switchboard schema');
select ok(not has_schema_privilege('authenticated', 'switchboard', 'usage'), 'authenticated cannot use the switchboard schema');

select * from finish();
rollback;
