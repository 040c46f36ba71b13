-- Defence in depth for functions: EXECUTE on switchboard (and the local pgmq compat) functions is
-- not granted to PUBLIC or the API roles, even though those roles cannot reach the schemas today;
-- `postgres`, which the edge functions and pg_cron jobs run as, keeps it; and functions created
-- later start out the same way.
begin;
select plan(7);

select is(
  (select array_agg(p.oid::regprocedure::text order by p.oid::regprocedure::text)
   from pg_proc p
   where p.pronamespace = 'switchboard'::regnamespace
     and (has_function_privilege('anon', p.oid, 'execute')
       or has_function_privilege('authenticated', p.oid, 'execute')
       or exists (select 1 from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                  where a.grantee = 0 and a.privilege_type = 'EXECUTE'))),
  null,
  'no switchboard function is executable by PUBLIC, anon or authenticated');

select is(
  (select array_agg(p.oid::regprocedure::text order by p.oid::regprocedure::text)
   from pg_proc p
   where p.pronamespace = 'switchboard'::regnamespace
     and not has_function_privilege('postgres', p.oid, 'execute')),
  null,
  'postgres can execute every switchboard function');

-- The compat pgmq functions belong to postgres locally; the real extension's belong to its owner
-- and are checked only where this role owns them (as the migration treats them).
select is(
  (select array_agg(p.oid::regprocedure::text order by p.oid::regprocedure::text)
   from pg_proc p
   where p.pronamespace = 'pgmq'::regnamespace
     and pg_has_role(p.proowner, 'usage')
     and (has_function_privilege('anon', p.oid, 'execute')
       or has_function_privilege('authenticated', p.oid, 'execute')
       or exists (select 1 from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                  where a.grantee = 0 and a.privilege_type = 'EXECUTE'))),
  null,
  'no pgmq function this role owns is executable by PUBLIC, anon or authenticated');

select ok(has_function_privilege('postgres', 'pgmq.send(text, jsonb, integer)', 'execute'),
  'postgres can still send to queues');

-- A function created after the migrations, the way a later migration would.
create function switchboard.tmp_later_function() returns int language sql set search_path = '' as 'select 1';
select ok(not has_function_privilege('anon', 'switchboard.tmp_later_function()', 'execute'),
  'a function created later is not executable by anon');
select ok(
  not exists (select 1 from pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
              where p.oid = 'switchboard.tmp_later_function()'::regprocedure
                and a.grantee = 0 and a.privilege_type = 'EXECUTE'),
  'a function created later is not executable by PUBLIC');
select is(switchboard.tmp_later_function(), 1, 'and its owner can still call it');

select * from finish();
rollback;
