-- Every populated 100 m cell (Zensus 2022) of the region with its town and the straight-line
-- distance (m) to the nearest supply point: any category (`distance_any`, point `nearest_any`)
-- and a full-range shop (`distance_full`, `nearest_full`; the BBSR measure). The distances come
-- from a k-d tree run before this model (pipelines/nearest.py, staging.nearest_supply).
-- No point within 10 km: distance null.
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
        nearest.nearest_full
    from assigned
    left join nearest using (cell_id)

)

select * from final
