-- Each platform extension in the schema Supabase documents for it, so that splinter lint 0014
-- (extension_in_public) stays quiet and nothing an extension owns can shadow or be shadowed by
-- objects in `public`:
--   pg_cron         pg_catalog  (Supabase's supautils forces {"pg_cron": {"schema": "pg_catalog"}})
--   pg_net          extensions  (its objects live in `net` whatever the extension's schema)
--   pgmq            pgmq        (fixed by its control file)
--   supabase_vault  vault       (fixed by its control file)
--
-- 20261121000200 ran `create extension if not exists <name>` with no schema. On Supabase that is
-- harmless for pg_cron (forced into pg_catalog) and for extensions already enabled in the
-- dashboard, but anywhere else the extension lands in the first schema of the search_path:
-- `public`. Neither pg_cron nor pg_net is relocatable (`alter extension … set schema` refuses),
-- so one found in `public` is dropped and created again where it belongs, in this migration's
-- single transaction (any failure leaves everything as it was):
--   pg_cron  the jobs are remembered and scheduled again with the same names, schedules,
--            commands, databases, users and active flags, and the last 7 days of run history are
--            copied back under the new job ids. cron.job's own table is extension-owned, so the
--            drop cannot keep it.
--   pg_net   only its unlogged request queue and 6-hour response log are lost. Both are hints by
--            design: the sweep re-issues any wake-up that never arrived.
-- Where each extension already sits in its documented schema (Supabase), nothing changes. The
-- local platform's compatible pgmq, pg_net and Vault are plain schemas, not extensions, and are
-- left alone.
do $$
declare
  v_job record;
  v_new_id bigint;
  v_in_public boolean;
begin
  select e.extnamespace = 'public'::regnamespace into v_in_public
  from pg_catalog.pg_extension e where e.extname = 'pg_cron';

  if coalesce(v_in_public, false) then
    create temporary table switchboard_cron_jobs on commit drop as
      select j.jobid, j.jobname, j.schedule, j.command, j.database, j.username, j.active
      from cron.job j;
    create temporary table switchboard_cron_runs on commit drop as
      select d.* from cron.job_run_details d
      where d.start_time > pg_catalog.now() - interval '7 days';

    drop extension pg_cron;
    create extension pg_cron with schema pg_catalog;

    for v_job in select * from switchboard_cron_jobs order by jobid loop
      if v_job.jobname is null then
        -- Unnamed jobs exist only through the two-argument form, which takes no database or user.
        v_new_id := cron.schedule(v_job.schedule, v_job.command);
        perform cron.alter_job(v_new_id, active := v_job.active);
      else
        v_new_id := cron.schedule_in_database(
          v_job.jobname, v_job.schedule, v_job.command, v_job.database, v_job.username, v_job.active
        );
      end if;
      insert into cron.job_run_details (jobid, job_pid, database, username, command, status,
        return_message, start_time, end_time)
      select v_new_id, r.job_pid, r.database, r.username, r.command, r.status, r.return_message,
        r.start_time, r.end_time
      from switchboard_cron_runs r
      where r.jobid = v_job.jobid
      order by r.runid;
    end loop;
    raise notice 'pg_cron moved from public to pg_catalog; % job(s) scheduled again',
      (select pg_catalog.count(*) from switchboard_cron_jobs);
  end if;

  select e.extnamespace = 'public'::regnamespace into v_in_public
  from pg_catalog.pg_extension e where e.extname = 'pg_net';

  if coalesce(v_in_public, false) then
    create schema if not exists extensions;
    begin
      drop extension pg_net;
      create extension pg_net with schema extensions;
    exception when dependent_objects_still_exist or insufficient_privilege then
      -- Something else depends on pg_net (Database Webhooks, say), or this role may not drop it:
      -- leave it working where it is and say what to do, rather than fail the deploy.
      raise warning 'pg_net is installed in public and could not be moved (%): move it by hand (drop extension pg_net; create extension pg_net with schema extensions;) when nothing depends on it', sqlerrm;
    end;
  end if;

  -- pgmq and supabase_vault name their schema in their control files, so they cannot be in
  -- public; say so loudly if some other build put them there, but never drop them (queues and
  -- secrets live in them).
  if exists (
    select 1 from pg_catalog.pg_extension e
    where e.extname in ('pgmq', 'supabase_vault') and e.extnamespace = 'public'::regnamespace
  ) then
    raise warning 'pgmq or supabase_vault is installed in public; Supabase installs them in pgmq and vault';
  end if;
end
$$;
