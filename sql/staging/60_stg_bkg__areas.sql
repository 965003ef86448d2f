-- Land areas (GF = 4) of the Gemeinden and Kreise from BKG VG250-EW, one row per region, in
-- EPSG:4326 (the source CRS is kept in source_crs).
with source as (

    select * from raw.bkg_areas
    where coalesce(gf, 4) = 4

),

final as (

    select
        ags,
        case length(ags) when 8 then 'gemeinde' when 5 then 'kreis' end as level,
        any_value(name) as name,
        any_value(bez) as designation,
        max(ewz) as population,
        sum(kfl) as area_km2,
        -- a delivered self-intersection must not stop the build (GEOS would refuse unions)
        ST_Union_Agg(ST_MakeValid(geometry)) as geometry,
        any_value(source_crs) as source_crs,
        max(stand) as stand,
        any_value(county) as county
    from source
    group by ags

)

select * from final
