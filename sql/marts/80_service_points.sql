-- The four other services of the BBSR's 2025 walking analysis (Hausarzt, Apotheke, Grundschule,
-- ÖV-Haltestelle), from OpenStreetMap, with their town and position in EPSG:3035 (metres).
with points as (

    select *, ST_Point(lon, lat) as geometry from staging.stg_osm__services

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
        points.lon,
        points.lat,
        ST_X(ST_Transform(points.geometry, 'EPSG:4326', 'EPSG:3035', always_xy := true)) as x,
        ST_Y(ST_Transform(points.geometry, 'EPSG:4326', 'EPSG:3035', always_xy := true)) as y,
        towns.ags,
        towns.town,
        points.osm_timestamp::date as data_date
    from points
    left join towns on ST_Contains(towns.geometry, points.geometry)

)

select * from final
order by category, name
