-- Every value of every IT.NRW (or Regionaldatenbank) table, with the region level derived from
-- the key length. A kreisfreie Stadt is a Kreis and a Gemeinde at once: the tables give it the
-- 5-digit Kreis key (05111), the boundaries the 8-digit Gemeinde key (05111000). Its values are
-- repeated under the Gemeinde key (is_gemeinde_copy), so Gemeinde maps and joins on
-- level = 'gemeinde' find all of them.
with source as (

    select * from raw.itnrw_values

),

keyed as (

    select
        table_code,
        period,
        period_label,
        ags,
        region_name,
        case length(ags)
            when 2 then 'land'
            when 3 then 'regbez'
            when 5 then 'kreis'
            when 8 then 'gemeinde'
        end as level,
        classification,
        statistic,
        variable,
        unit,
        value,
        symbol,
        data_stand,
        source_line,
        false as is_gemeinde_copy
    from source

),

gemeinde_copies as (

    select * replace (ags || '000' as ags, 'gemeinde' as level, true as is_gemeinde_copy)
    from keyed
    where level = 'kreis' and region_name ilike '%krfr. Stadt%'
        -- not where the table has the Gemeinde row itself
        and not exists (
            select 1 from source as g
            where g.table_code = keyed.table_code and g.ags = keyed.ags || '000'
        )

),

final as (

    select * from keyed
    union all
    select * from gemeinde_copies

)

select * from final
