-- Grocery supply points: from OpenStreetMap and those the Kreis entered in its register (marked
-- as such), in the planner's categories, with the town they lie in (by geometry, not address)
-- and their position in EPSG:3035 (metres) for distances. `opening_hours` (OSM) and `weekdays`,
-- `times` (register: the stops of the mobile shop, pick-up points) say on which days a point
-- serves; the days per cell are counted at build time (pipelines/nearest.py, staging.supply_days):
-- a stop of the mobile shop twice a week is not a shop open every day.
with osm as (

    select point_id, name, category, null as kind, lon, lat, 'OpenStreetMap' as origin, osm_timestamp::date as data_date,
        opening_hours, null as weekdays, null as times
    from staging.stg_osm__supply_points
    where category is not null

),

register as (

    select 'register/' || id as point_id, name, category, kind, lon, lat, 'Register des Kreises' as origin,
        null::date as data_date, null as opening_hours, weekdays, times
    from raw.register_supply_points

),

points as (

    select *, ST_Point(lon, lat) as geometry from osm
    union all
    select *, ST_Point(lon, lat) as geometry from register

),

towns as (

    select ags, name as town, geometry from marts.regions
    where level = 'gemeinde' and geometry is not null

),

final as (

    select
        points.point_id,
        points.name,
        points.category,
        points.category = 'Vollsortiment' as full_range,
        points.kind,
        points.origin,
        points.lon,
        points.lat,
        ST_X(ST_Transform(points.geometry, 'EPSG:4326', 'EPSG:3035', always_xy := true)) as x,
        ST_Y(ST_Transform(points.geometry, 'EPSG:4326', 'EPSG:3035', always_xy := true)) as y,
        towns.ags,
        towns.town,
        coalesce(left(towns.ags, 5) = meta.region_ags(), false) as in_region,
        points.data_date,
        points.opening_hours,
        points.weekdays,
        points.times
    from points
    left join towns on ST_Contains(towns.geometry, points.geometry)

)

select * from final
order by category, name
