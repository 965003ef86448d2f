-- One row per region of the Land: Land, Regierungsbezirke, Kreise, Gemeinden.
-- Population and area from table 12411-15i (latest Stichtag); geometry follows with the boundaries.
with values as (

    select * from staging.stg_itnrw__values
    where table_code = '12411-15i' and ags is not null

),

latest as (

    select * from values
    qualify period = max(period) over ()

),

named as (

    select
        ags,
        level,
        any_value(region_name) as official_name,
        any_value(period) as population_date,
        max(value) filter (where variable ilike 'Bevölkerungsstand%') as population,
        max(value) filter (where variable ilike 'Bodenfläche%') as area_km2
    from latest
    group by ags, level

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
        null::geometry as geometry,
        ags in (meta.land_ags(), meta.regbez_ags(), meta.region_ags())
            or (level = 'gemeinde' and left(ags, 5) = meta.region_ags()) as in_focus
    from named

)

select * from final
order by ags
