-- Every populated 100 m cell (Zensus 2022) of the region with its town and the straight-line
-- distance (m) to the nearest supply point: any category (`distance_any`, point `nearest_any`)
-- and a full-range shop (`distance_full`, `nearest_full`; the BBSR measure). The distances come
-- from a k-d tree run before this model (pipelines/nearest.py, staging.nearest_supply).
-- No point within 10 km: distance null. Along the path network (pipelines/network.py,
-- staging.network_reach): `network_any`/`network_full` (m, access legs included) and the walking
-- minutes at 4,5 km/h; `access_m` is the straight leg to the nearest network node, and a cell
-- farther than 500 m from the network is not connected (`network_connected` false, no network
-- distance). `supplied_days`: on how many days of the week some grocery point within 1 000 m serves
-- (`supplied_weekdays`: which, e.g. "Mo–Fr, Sa" or "Di, Fr" for the mobile shop alone).
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

nearest as (

    -- computed at build time with a k-d tree (pipelines/nearest.py), exact up to 10 km
    select * from staging.nearest_supply

),

network as (

    select
        cell_id,
        any_value(network_m) filter (where category = 'alle') as network_any,
        any_value(network_m) filter (where category = 'Vollsortiment') as network_full,
        any_value(walk_min) filter (where category = 'alle') as walk_min_any,
        any_value(walk_min) filter (where category = 'Vollsortiment') as walk_min_full
    from staging.network_reach
    group by cell_id

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
        nearest.distance_full,
        nearest.nearest_any,
        nearest.nearest_full,
        network.network_any,
        network.network_full,
        network.walk_min_any,
        network.walk_min_full,
        network_cells.access_m,
        coalesce(network_cells.network_connected, false) as network_connected,
        coalesce(days.supplied_days, 0) as supplied_days,
        days.supplied_weekdays
    from assigned
    left join nearest using (cell_id)
    left join network using (cell_id)
    left join staging.network_cells as network_cells using (cell_id)
    left join staging.supply_days as days using (cell_id)

)

select * from final
