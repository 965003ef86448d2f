-- Places (towns, villages, hamlets from OpenStreetMap) of the region with the distance to the
-- nearest supply point (any, full-range): which villages have nothing within reach; and on how many
-- days of the week some point within 1 000 m serves (`supplied_days`, `supplied_weekdays`).
with places as (

    select point_id as place_id, name, place, lon, lat,
        ST_Transform(ST_Point(lon, lat), 'EPSG:4326', 'EPSG:3035', always_xy := true) as position
    from staging.stg_osm__supply_points
    where place is not null and name is not null

),

towns as (

    select ags, name as town, geometry from marts.regions
    where level = 'gemeinde' and geometry is not null and left(ags, 5) = meta.region_ags()

),

final as (

    select
        places.place_id,
        places.name,
        places.place,
        places.lon,
        places.lat,
        towns.ags,
        towns.town,
        (select min(sqrt((ST_X(places.position) - p.x) ^ 2 + (ST_Y(places.position) - p.y) ^ 2)) from marts.supply_points p)
            as distance_any,
        (select min(sqrt((ST_X(places.position) - p.x) ^ 2 + (ST_Y(places.position) - p.y) ^ 2))
         from marts.supply_points p where p.full_range) as distance_full,
        coalesce(days.supplied_days, 0) as supplied_days,
        days.supplied_weekdays
    from places
    inner join towns on ST_Contains(towns.geometry, ST_Point(places.lon, places.lat))
    left join staging.place_days as days using (place_id)

)

select * from final
order by town, name
