-- Every value of every usable indicator, long format: base values selected from the IT.NRW
-- tables and derived values, for all regions of the tables (towns, Kreise, Regierungsbezirke,
-- NRW). Indicators whose selection is ambiguous are left out (see marts.indicators.status).
with status as (

    select * from staging.int_indicator__status
    where status = 'ok'

),

catalogue as (

    select indicator_id, unit from raw.indicator_catalogue

),

base as (

    select indicator_id, ags, period, value, table_code, data_stand, series_break
    from staging.int_indicator__base
    where value is not null

),

derived as (

    select indicator_id, ags, period, value, table_code, data_stand, series_break
    from staging.int_indicator__derived

),

final as (

    select
        all_values.indicator_id,
        all_values.ags,
        all_values.period,
        all_values.value,
        catalogue.unit,
        all_values.table_code as source_table,
        all_values.data_stand,
        all_values.series_break
    from (select * from base union all select * from derived) as all_values
    inner join status using (indicator_id)
    inner join catalogue using (indicator_id)

)

select * from final
order by indicator_id, ags, period
