-- Every value of every loaded or imported statistics table, in the indicator catalogue or not:
-- an analyst can `xregion import` any IT.NRW or Regionaldatenbank table and query it here.
-- Values of former units (dissolved Kreise) stay here even though they are not regions.
with table_values as (

    select * from staging.stg_itnrw__values
    where not is_gemeinde_copy

),

tables as (

    select
        table_code,
        any_value(title) as table_title,
        any_value(source) as source,
        any_value(licence) as licence,
        any_value(data_stand_kind) as data_stand_kind
    from raw.itnrw_tables
    group by table_code

),

final as (

    select
        table_values.table_code,
        tables.table_title,
        tables.source,
        tables.licence,
        table_values.ags,
        table_values.region_name,
        table_values.level,
        table_values.period,
        table_values.period_label,
        table_values.statistic,
        table_values.variable,
        table_values.classification,
        table_values.unit,
        table_values.value,
        table_values.symbol,
        table_values.data_stand,
        tables.data_stand_kind,
        table_values.source_line
    from table_values
    left join tables using (table_code)

)

select * from final
order by table_code, period, ags, source_line
