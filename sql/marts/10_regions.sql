-- One row per region of the Land in its current Gebietsstand: Land, Regierungsbezirke, Kreise,
-- Gemeinden — those with boundaries (BKG VG250-EW) and those with data on the latest Stichtag of
-- table 12411-15i. Former units that the table still lists with "-" in every cell (the old Kreis
-- Aachen, dissolved into the StädteRegion) are not regions; their values stay in
-- marts.table_values. Population and area from 12411-15i; where the statistics are missing,
-- from the boundaries. Geometry from the boundaries; Regierungsbezirke and the Land are the
-- union of their Kreise (or Gemeinden).
with values as (

    select * from staging.stg_itnrw__values
    where table_code = '12411-15i' and ags is not null

),

latest as (

    select * from values
    qualify period = max(period) over ()

),

statistics as (

    select
        ags,
        level,
        any_value(region_name) as official_name,
        any_value(period) as population_date,
        max(value) filter (where variable ilike 'Bevölkerungsstand%') as population,
        max(value) filter (where variable ilike 'Bodenfläche%') as area_km2
    from latest
    group by ags, level
    -- a unit with symbols only ("-", ".") on the latest Stichtag does not exist any more
    having count(*) filter (where symbol is null) > 0

),

areas as (

    select * from staging.stg_bkg__areas

),

higher_areas as (

    -- Regierungsbezirke (3 digits) and the Land (2 digits) from the Kreise; Kreise (and above)
    -- from their Gemeinden where only the Gemeinde layer was loaded
    select left(ags, width) as ags, null as name, ST_Union_Agg(geometry) as geometry
    from areas, (values (2), (3)) as widths(width)
    where level = 'kreis'
    group by left(ags, width)
    union all
    select
        left(ags, width) as ags,
        case when width = 5 then 'Kreis ' || any_value(county) end as name,
        ST_Union_Agg(geometry) as geometry
    from areas, (values (2), (3), (5)) as widths(width)
    where level = 'gemeinde'
        and left(ags, width) not in (select left(ags, width) from areas where level = 'kreis')
    group by left(ags, width), width

),

combined as (

    select
        keys.ags,
        coalesce(statistics.level, areas.level, case length(keys.ags)
            when 2 then 'land' when 3 then 'regbez' when 5 then 'kreis' when 8 then 'gemeinde' end) as level,
        coalesce(
            statistics.official_name,
            areas.name || coalesce(', ' || areas.designation, ''),
            higher_areas.name,
            'Gebiet ' || keys.ags
        ) as official_name,
        coalesce(statistics.population, areas.population) as population,
        coalesce(statistics.area_km2, areas.area_km2) as area_km2,
        case when statistics.ags is not null then statistics.population_date else areas.stand end as population_date,
        coalesce(areas.geometry, higher_areas.geometry) as geometry
    from (
        select ags from statistics union select ags from areas union select ags from higher_areas
    ) as keys
    left join statistics using (ags)
    left join areas using (ags)
    left join higher_areas using (ags)

),

final as (

    select
        ags,
        case
            when level = 'regbez' then 'Regierungsbezirk ' || split_part(official_name, ',', 1)
            when level = 'kreis' and official_name ilike '%, Kreis' then 'Kreis ' || split_part(official_name, ',', 1)
            else split_part(official_name, ',', 1)
        end as name,
        official_name,
        level,
        case level
            when 'regbez' then left(ags, 2)
            when 'kreis' then left(ags, 3)
            when 'gemeinde' then left(ags, 5)
        end as parent_ags,
        population::bigint as population,
        area_km2,
        population_date,
        geometry,
        ags in (meta.land_ags(), meta.regbez_ags(), meta.region_ags())
            or (level = 'gemeinde' and left(ags, 5) = meta.region_ags()) as in_focus
    from combined

)

select * from final
order by ags
