-- The floor of one attributing pass over 10 M events on PostgreSQL (docs/performance.md, issue 15).
-- psql postgres://…/floor -f scripts/bench/postgres_floor.sql   (builds the tables, ~25 s, then times the queries)
\timing on
DROP TABLE IF EXISTS ev; DROP TABLE IF EXISTS ex;
CREATE TABLE ex (unit_id bigint PRIMARY KEY, variant_id int, first_ts bigint);
INSERT INTO ex SELECT u, (u % 2), 1000 * (u % 86400) FROM generate_series(1, 1000000) u;
CREATE TABLE ev (name_id int, unit_id bigint, ts bigint, latency double precision, cost double precision, model text);
INSERT INTO ev SELECT (i % 4), 1 + (hashint4(i::int)::bigint & 1048575) % 1000000, 1000 * (i % 90000), random() * 2000, random() * 0.001, CASE WHEN i % 3 = 0 THEN 'gpt-4.1' ELSE 'gpt-4.1-mini' END FROM generate_series(1, 10000000) i;
CREATE INDEX ev_name_unit_ts ON ev (name_id, unit_id, ts);
VACUUM ANALYZE ev; VACUUM ANALYZE ex;
SET jit = off; SET enable_nestloop = off;
SELECT count(*) FROM ev;
SELECT count(*), sum(latency) FROM ev;
SET max_parallel_workers_per_gather = 0;
SELECT count(*), sum(latency) FROM ev;
SELECT f.variant_id, count(*), sum(u.x), sum(u.x * u.x), sum(u.n) FROM (
  SELECT e.unit_id, coalesce(sum(e.latency) FILTER (WHERE e.model = 'gpt-4.1-mini'), 0) AS x, count(*) AS n
  FROM ev e JOIN ex f ON f.unit_id = e.unit_id WHERE e.ts >= f.first_ts
  GROUP BY e.unit_id) u JOIN ex f ON f.unit_id = u.unit_id GROUP BY f.variant_id;
SET max_parallel_workers_per_gather = 2;
SELECT f.variant_id, count(*), sum(u.x), sum(u.x * u.x), sum(u.n) FROM (
  SELECT e.unit_id, coalesce(sum(e.latency) FILTER (WHERE e.model = 'gpt-4.1-mini'), 0) AS x, count(*) AS n
  FROM ev e JOIN ex f ON f.unit_id = e.unit_id WHERE e.ts >= f.first_ts
  GROUP BY e.unit_id) u JOIN ex f ON f.unit_id = u.unit_id GROUP BY f.variant_id;
-- The same pass with attribution by array (session 14): each unit's first exposure and variant are elements of two
-- bigint[] parameters, subscripted by unit id, instead of a probe into the hash table of 1 M exposures.
SET max_parallel_workers_per_gather = 0;
SELECT array_agg(first_ts ORDER BY unit_id)::text AS ft, array_agg(variant_id::bigint ORDER BY unit_id)::text AS vt FROM ex \gset
PREPARE by_array(bigint[], bigint[]) AS SELECT $2[u.unit_id::int], count(*), sum(u.x), sum(u.x * u.x), sum(u.n) FROM (
  SELECT e.unit_id, coalesce(sum(e.latency) FILTER (WHERE e.model = 'gpt-4.1-mini'), 0) AS x, count(*) AS n
  FROM ev e WHERE e.ts >= $1[e.unit_id::int]
  GROUP BY e.unit_id) u GROUP BY 1;
EXECUTE by_array(:'ft', :'vt');
EXECUTE by_array(:'ft', :'vt');
PREPARE filtered(bigint[]) AS SELECT count(*) FROM ev e WHERE e.ts >= $1[e.unit_id::int];
EXECUTE filtered(:'ft');
-- Both moments in one read (session 15): the pass as of the end (single) and as of an earlier look, then both
-- at once, each aggregate twice (the second with FILTER (WHERE ts <= look)); units enrolled by the look counted apart.
PREPARE single(bigint[], bigint[], bigint) AS SELECT $2[u.unit_id::int], count(u.x), sum(u.x), sum(u.x * u.x), sum(u.n), sum(u.s) FROM (
  SELECT e.unit_id,
    CASE WHEN count(*) FILTER (WHERE e.model = 'gpt-4.1-mini') > 0 THEN coalesce(sum(e.latency) FILTER (WHERE e.model = 'gpt-4.1-mini'), 0) END AS x,
    count(*) AS n, coalesce(sum(e.cost), 0) AS s
  FROM ev e WHERE e.ts >= $1[e.unit_id::int] AND e.ts <= $3
  GROUP BY e.unit_id) u GROUP BY 1;
PREPARE dual(bigint[], bigint[], bigint, bigint) AS SELECT $2[u.unit_id::int], count(u.x), sum(u.x), sum(u.x * u.x), sum(u.n), sum(u.s),
    count(u.xl) FILTER (WHERE $1[u.unit_id::int] <= $4), sum(u.xl) FILTER (WHERE $1[u.unit_id::int] <= $4), sum(u.xl * u.xl) FILTER (WHERE $1[u.unit_id::int] <= $4),
    sum(u.nl) FILTER (WHERE $1[u.unit_id::int] <= $4), sum(u.sl) FILTER (WHERE $1[u.unit_id::int] <= $4) FROM (
  SELECT e.unit_id,
    CASE WHEN count(*) FILTER (WHERE e.model = 'gpt-4.1-mini') > 0 THEN coalesce(sum(e.latency) FILTER (WHERE e.model = 'gpt-4.1-mini'), 0) END AS x,
    count(*) AS n, coalesce(sum(e.cost), 0) AS s,
    CASE WHEN count(*) FILTER (WHERE e.model = 'gpt-4.1-mini' AND e.ts <= $4) > 0 THEN coalesce(sum(e.latency) FILTER (WHERE e.model = 'gpt-4.1-mini' AND e.ts <= $4), 0) END AS xl,
    count(*) FILTER (WHERE e.ts <= $4) AS nl, coalesce(sum(e.cost) FILTER (WHERE e.ts <= $4), 0) AS sl
  FROM ev e WHERE e.ts >= $1[e.unit_id::int] AND e.ts <= $3
  GROUP BY e.unit_id) u GROUP BY 1;
EXECUTE single(:'ft', :'vt', 90000000);
EXECUTE single(:'ft', :'vt', 90000000);
EXECUTE single(:'ft', :'vt', 80000000);
EXECUTE dual(:'ft', :'vt', 90000000, 80000000);
EXECUTE dual(:'ft', :'vt', 90000000, 80000000);
