-- SPDX-License-Identifier: MIT
-- workload.sql: a database built, indexed, queried, updated and vacuumed.
pragma journal_mode = wal;
create table t(a integer primary key, b text, c real);
with recursive n(i) as (select 1 union all select i + 1 from n where i < 60000)
insert into t select i, printf('k%06d', (i * 7919) % 60013), (i % 97) / 7.0 from n;
create index tb on t(b);
create table u as select b, count(*) n, sum(c) s from t group by substr(b, 1, 4);
select count(*), sum(a), max(b), round(sum(c), 3) from t;
select * from u order by n desc, b limit 5;
update t set b = b || 'x' where a % 3 = 0;
delete from t where a % 5 = 0;
select count(*), count(distinct substr(b, -1)) from t;
select group_concat(a, ',') from (select a from t where b like 'k0000%' order by a);
create virtual table f using fts5(body);
insert into f select 'word' || (a % 50) || ' other' || (a % 7) from t where a < 5000;
select count(*) from f where f match 'word7 AND other3';
vacuum;
pragma integrity_check;
select json_group_array(a) from (select a from t order by c desc, a limit 10);
