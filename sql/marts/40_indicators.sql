-- The indicator catalogue with the state of its data: status (ok, tabelle_fehlt, keine_werte,
-- mehrdeutig, grundwerte_fehlen), a German explanation, and the span and release of the values.
with catalogue as (

    select * from raw.indicator_catalogue

),

status as (

    select * from staging.int_indicator__status

),

coverage as (

    select
        indicator_id,
        count(*) as value_count,
        min(period) as first_period,
        max(period) as last_period,
        max(data_stand) as data_stand
    from marts.indicator_values
    group by indicator_id

),

final as (

    select
        catalogue.indicator_id,
        catalogue.title,
        catalogue.unit,
        catalogue.handlungsfeld,
        catalogue.direction,
        catalogue.definition,
        catalogue.source,
        catalogue.licence,
        coalesce(
            catalogue.table_code,
            case
                when numerator.table_code = denominator.table_code then numerator.table_code
                else numerator.table_code || ', ' || denominator.table_code
            end
        ) as table_code,
        catalogue.kind,
        catalogue.numerator_id,
        catalogue.denominator_id,
        catalogue.factor,
        catalogue.listed,
        catalogue.position,
        catalogue.handlungsfeld_position,
        status.status,
        status.status_message,
        coalesce(coverage.value_count, 0) as value_count,
        coverage.first_period,
        coverage.last_period,
        coverage.data_stand
    from catalogue
    left join catalogue as numerator on numerator.indicator_id = catalogue.numerator_id
    left join catalogue as denominator on denominator.indicator_id = catalogue.denominator_id
    left join status on status.indicator_id = catalogue.indicator_id
    left join coverage on coverage.indicator_id = catalogue.indicator_id

)

select * from final
order by handlungsfeld_position, position
