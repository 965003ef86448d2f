-- One value per base indicator, region and period, with the reason when the selected rows do
-- not give one unambiguous number (several rows, gaps, overlaps or straddled age bounds).
with rows as (

    select * from staging.int_indicator__rows

),

grouped as (

    select
        indicator_id,
        ags,
        period,
        any_value(table_code) as table_code,
        any_value(series_break_rule) as series_break_rule,
        any_value(age_from) as age_from,
        any_value(age_to) as age_to,
        count(*) as n_rows,
        count(value) as n_values,
        sum(value) as value_sum,
        max(data_stand) as data_stand,
        any_value(region_name) as region_name,
        min(age_lower) as min_lower,
        max(age_upper) as max_upper,
        bool_or(age_lower is not null and age_upper is null) as has_open_end,
        any_value(age_text) filter (where straddles_bound) as straddling_group,
        bool_or(previous_upper > age_lower or previous_lower = age_lower) as has_overlap,
        bool_or(previous_upper < age_lower) as has_gap
    from rows
    group by indicator_id, ags, period

),

final as (

    select
        indicator_id,
        ags,
        period,
        table_code,
        case when n_values = n_rows then value_sum end as value,
        data_stand,
        case
            when series_break_rule = 'zensus2022' and period >= date '2022-12-31' then 'Basis Zensus 2022'
            when series_break_rule = 'zensus2022' then 'Basis Zensus 2011'
        end as series_break,
        case
            when age_from is null and n_rows > 1
                then n_rows || ' passende Werte statt einem'
            when straddling_group is not null
                then 'die Altersgruppe „' || straddling_group || '“ überschreitet die Grenze des Indikators'
            when has_overlap
                then 'die Altersgruppen überschneiden sich'
            when has_gap
                then 'zwischen den Altersgruppen fehlen Jahre'
            when min_lower <> age_from
                then 'die Altersangaben beginnen erst bei ' || min_lower || ' Jahren'
            when age_from is not null and age_to is null and not has_open_end
                then 'die offene Altersgruppe („… und mehr“) fehlt'
            when age_to is not null and max_upper <> age_to
                then 'die Altersangaben reichen nicht bis ' || age_to || ' Jahre'
        end as problem,
        region_name
    from grouped

)

select * from final
