-- Every populated 100 m cell (Zensus 2022) of the region with its town and the straight-line
-- distance (m) to the nearest supply point: any category (`distance_any`) and a full-range
-- shop (`distance_full`, the BBSR measure). Points are looked up in 1 km buckets, first within
-- 2 km, then, for cells that found nothing that close, within 10 km; a nearest point found in a
-- window of k km is exact when it is at most k km away. The work grows with the points near a
-- cell, not with all points. No point within 10 km: distance null.
with cells as (

    select * from raw.zensus_cells

),

towns as (

    select ags, geometry from marts.regions
    where level = 'gemeinde' and geometry is not null and left(ags, 5) = meta.region_ags()

),

located as (

    select
        cells.*,
        ST_Transform(ST_Point(cells.x, cells.y), 'EPSG:3035', 'EPSG:4326', always_xy := true) as position
    from cells

),

assigned as (

    select located.* exclude (position), ST_X(located.position) as lon, ST_Y(located.position) as lat, towns.ags
    from located
    left join towns on ST_Contains(towns.geometry, located.position)

),

points as (

    select point_id, full_range, x, y from marts.supply_points

),

near_buckets as (

    -- each point stands in every 1 km bucket within 2 km of its own
    select points.*, floor(points.x / 1000)::bigint + dx as bx, floor(points.y / 1000)::bigint + dy as by
    from points, range(-2, 3) as rx(dx), range(-2, 3) as ry(dy)

),

far_buckets as (

    select points.*, floor(points.x / 1000)::bigint + dx as bx, floor(points.y / 1000)::bigint + dy as by
    from points, range(-10, 11) as rx(dx), range(-10, 11) as ry(dy)

),

near as (

    select
        cells.cell_id,
        min(sqrt((cells.x - b.x) ^ 2 + (cells.y - b.y) ^ 2)) as distance_any,
        min(sqrt((cells.x - b.x) ^ 2 + (cells.y - b.y) ^ 2)) filter (where b.full_range) as distance_full
    from assigned as cells
    inner join near_buckets as b
        on b.bx = floor(cells.x / 1000)::bigint and b.by = floor(cells.y / 1000)::bigint
    group by cells.cell_id

),

unresolved as (

    -- cells whose nearest point (of either kind) was not found within 2 km
    select assigned.* from assigned
    left join near using (cell_id)
    where near.distance_any is null or near.distance_any > 2000
        or near.distance_full is null or near.distance_full > 2000

),

far as (

    select
        cells.cell_id,
        min(sqrt((cells.x - b.x) ^ 2 + (cells.y - b.y) ^ 2)) as distance_any,
        min(sqrt((cells.x - b.x) ^ 2 + (cells.y - b.y) ^ 2)) filter (where b.full_range) as distance_full
    from unresolved as cells
    inner join far_buckets as b
        on b.bx = floor(cells.x / 1000)::bigint and b.by = floor(cells.y / 1000)::bigint
    group by cells.cell_id

),

nearest as (

    select
        cell_id,
        case when near.distance_any <= 2000 then near.distance_any else far.distance_any end as distance_any,
        case when near.distance_full <= 2000 then near.distance_full else far.distance_full end as distance_full
    from near
    full outer join far using (cell_id)

),

final as (

    select
        assigned.cell_id,
        assigned.x,
        assigned.y,
        assigned.lon,
        assigned.lat,
        assigned.population,
        assigned.ags,
        nearest.distance_any,
        nearest.distance_full
    from assigned
    left join nearest using (cell_id)

)

select * from final
