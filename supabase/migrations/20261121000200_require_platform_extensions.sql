-- The platform pieces every later migration relies on. On Supabase they are extensions:
-- pg_cron, pgmq (Supabase Queues), pg_net and supabase_vault. Where the extension is available
-- it is created; where it is not (the Docker-free local platform), an API-compatible install
-- must already be present (local/sql/*.sql, installed by `deno task start`). Otherwise the
-- migration stops with an error that names the missing piece.
do $$
declare
  v_ext record;
begin
  for v_ext in
    select *
    from (values
      ('pg_cron', 'cron', 'schedule'),
      ('pgmq', 'pgmq', 'send'),
      ('pg_net', 'net', 'http_post'),
      ('supabase_vault', 'vault', 'create_secret')
    ) as t(name, schema_name, probe)
  loop
    if exists (select 1 from pg_catalog.pg_available_extensions where name = v_ext.name) then
      execute format('create extension if not exists %I', v_ext.name);
    elsif not exists (
      select 1
      from pg_catalog.pg_proc p
      join pg_catalog.pg_namespace n on n.oid = p.pronamespace
      where n.nspname = v_ext.schema_name and p.proname = v_ext.probe
    ) then
      raise exception 'Switchboard needs the "%" extension (or a compatible %.% API), and this database has neither', v_ext.name, v_ext.schema_name, v_ext.probe
        using hint = case v_ext.name
          when 'pg_cron' then 'On Supabase: Database > Extensions > pg_cron. Locally: install postgresql-15-cron and preload it.'
          else 'On Supabase: Database > Extensions > ' || v_ext.name || '. Locally: run `deno task start`, which installs local/sql compat before migrating.'
        end;
    end if;
  end loop;
end
$$;
