-- Every value of every IT.NRW table, with the region level derived from the key length.
with source as (

    select * from raw.itnrw_values

),

final as (

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
        source_line
    from source

)

select * from final
