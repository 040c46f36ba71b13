-- Each platform extension sits in the schema Supabase documents for it (splinter lint 0014,
-- extension_in_public), and pg_cron still runs the jobs it had before it moved there.
begin;
select plan(6);

select is(
  (select array_agg(e.extname::text order by e.extname) from pg_extension e
   where e.extnamespace = 'public'::regnamespace and e.extname <> 'plpgsql'),
  null,
  'no extension is installed in public');

select is((select e.extnamespace::regnamespace::text from pg_extension e where e.extname = 'pg_cron'),
  'pg_catalog', 'pg_cron is in pg_catalog, where Supabase puts it');

-- On the local platform pg_net, pgmq and Vault are compatible schemas rather than extensions;
-- where they are extensions, each must be in its documented schema.
select is(
  (select array_agg(e.extname || ' in ' || e.extnamespace::regnamespace::text order by e.extname)
   from pg_extension e
   where (e.extname, e.extnamespace::regnamespace::text) not in (
     ('pg_net', 'extensions'), ('pgmq', 'pgmq'), ('supabase_vault', 'vault'))
     and e.extname in ('pg_net', 'pgmq', 'supabase_vault')),
  null,
  'pg_net is in extensions, pgmq in pgmq and supabase_vault in vault wherever they are extensions');

select is(
  (select array_agg(n order by n)
   from unnest(array['switchboard-drive-discover', 'switchboard-openphone-backfill',
                     'switchboard-retention', 'switchboard-sweep']) n
   where n not in (select j.jobname from cron.job j where j.active)),
  null,
  'every switchboard job is still scheduled and active after the move');

select ok(
  (select bool_and(j.username = 'postgres' and j.database = current_database()) from cron.job j where j.jobname like 'switchboard-%'),
  'the jobs still run as postgres in this database');

select ok(to_regprocedure('cron.schedule(text,text,text)') is not null, 'the cron API is reachable as cron.*');

select * from finish();
rollback;
