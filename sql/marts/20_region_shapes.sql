-- Map-ready outlines of the Gemeinden and Kreise: the Gemeinden simplified as a coverage (GEOS
-- coverage simplification), so neighbouring towns keep one shared border without gaps or
-- slivers, and small enough for the browser: `geojson` (tolerance 0,001° ≈ 70–110 m) for maps of
-- a Kreis, `geojson_coarse` (0,003°, about a pixel on a map of the whole Land) for maps of NRW.
-- Kreise are the union of their simplified Gemeinden, so their outline lies exactly on the
-- town borders. label_lon/label_lat: a point inside each area for its name on a map.
with areas as (

    select ags, level, geometry from staging.stg_bkg__areas
    where geometry is not null and level = 'gemeinde'

),

per_level as (

    select
        tolerance,
        list(ags order by ags) as keys,
        ST_CoverageSimplify(list(geometry order by ags), tolerance) as coverage
    from areas, (values (0.001), (0.003)) as tolerances(tolerance)
    group by tolerance

),

parts as (

    -- the coverage keeps the input order: part i of the collection is key i
    select tolerance, keys, unnest(ST_Dump(coverage)) as part
    from per_level

),

gemeinden as (

    -- ST_Normalize turns outer rings clockwise, the orientation d3/Vega expects for areas
    select tolerance, keys[part.path[1]] as ags, ST_Normalize(ST_Collect(list(part.geom))) as geometry
    from parts
    group by tolerance, keys[part.path[1]]

),

with_kreise as (

    select 'gemeinde' as level, tolerance, ags, geometry from gemeinden
    union all
    select 'kreis' as level, tolerance, left(ags, 5) as ags, ST_Normalize(ST_Union_Agg(geometry)) as geometry
    from gemeinden
    group by tolerance, left(ags, 5)

),

simplified as (

    select
        level,
        ags,
        any_value(geometry) filter (where tolerance = 0.001) as geometry,
        any_value(geometry) filter (where tolerance = 0.003) as coarse
    from with_kreise
    group by level, ags

),

final as (

    select
        simplified.ags,
        simplified.level,
        coalesce(regions.name, simplified.ags) as name,
        regions.parent_ags,
        coalesce(regions.in_focus, false) as in_focus,
        left(simplified.ags, 5) = meta.region_ags() as in_region,
        ST_SetCRS(simplified.geometry, 'EPSG:4326') as geometry,
        ST_AsGeoJSON(simplified.geometry) as geojson,
        ST_AsGeoJSON(simplified.coarse) as geojson_coarse,
        -- where a map writes the name: a point inside the area (a centroid can fall outside)
        ST_X(ST_PointOnSurface(simplified.geometry)) as label_lon,
        ST_Y(ST_PointOnSurface(simplified.geometry)) as label_lat,
        '© GeoBasis-DE / BKG (' || year(boundaries.stand) || ')' as attribution
    from simplified
    left join marts.regions as regions using (ags)
    cross join (select max(stand) as stand from staging.stg_bkg__areas) as boundaries

)

select * from final
order by level, ags
