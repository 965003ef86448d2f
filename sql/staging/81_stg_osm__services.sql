-- The services of the BBSR's 2025 walking analysis besides the supermarket, from OpenStreetMap:
--   Hausarzt     amenity=doctors / healthcare=doctor, general practice or no speciality given
--                (OSM rarely tags it; a practice of another speciality says so and is left out)
--   Apotheke     amenity=pharmacy / healthcare=pharmacy
--   Grundschule  amenity=school with school=primary, ISCED level 1 or "Grundschule" in the name
--   Haltestelle  bus stops, platforms, railway stations and halts
with elements as (

    select
        *,
        tags ->> 'amenity' as amenity,
        tags ->> 'healthcare' as healthcare,
        tags ->> 'healthcare:speciality' as speciality,
        tags ->> 'school' as school,
        tags ->> 'isced:level' as isced,
        tags ->> 'highway' as highway,
        tags ->> 'public_transport' as public_transport,
        tags ->> 'railway' as railway
    from raw.osm_elements

),

classified as (

    select
        *,
        case
            when amenity = 'pharmacy' or healthcare = 'pharmacy' then 'Apotheke'
            when (amenity = 'doctors' or healthcare = 'doctor')
                and (speciality is null or regexp_matches(speciality, '(?i)general|allgemein|family|hausarzt'))
                then 'Hausarzt'
            when amenity = 'school' and (school = 'primary' or regexp_matches(coalesce(isced, ''), '(^|;)\s*1(\s*;|$)')
                or regexp_matches(coalesce(name, ''), '(?i)grundschule'))
                then 'Grundschule'
            when highway = 'bus_stop' or public_transport = 'platform' or railway in ('station', 'halt') then 'Haltestelle'
        end as category
    from elements

),

final as (

    select osm_type || '/' || osm_id as point_id, name, category, lon, lat, osm_timestamp
    from classified
    where category is not null

)

select * from final
