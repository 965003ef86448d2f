-- The indicator catalogue with the state of its data: status (ok, tabelle_fehlt, keine_werte,
-- mehrdeutig, grundwerte_fehlen), a German explanation, and the span and release of the values;
-- source and licence follow the publisher of the table (IT.NRW or the Regionaldatenbank).
with catalogue as (

    select * from raw.indicator_catalogue

),

status as (

    select * from staging.int_indicator__status

),

-- who published each loaded table (IT.NRW or the Regionaldatenbank of the Statistische Ämter)
published as (

    select
        table_code,
        any_value(source) as source,
        any_value(licence) as licence,
        -- 'abgerufen' when the Stand is only the fetch date (the release date predated the data)
        max(data_stand_kind) filter (where data_stand_kind = 'abgerufen') as data_stand_kind
    from raw.itnrw_tables
    group by table_code

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
        coalesce(
            own.source,
            case
                when coalesce(num_pub.source, '') = coalesce(den_pub.source, num_pub.source, '') then num_pub.source
                else num_pub.source || '; ' || den_pub.source
            end,
            catalogue.source
        ) as source,
        coalesce(own.licence, num_pub.licence, catalogue.licence) as licence,
        coalesce(own.data_stand_kind, num_pub.data_stand_kind, den_pub.data_stand_kind) as data_stand_kind,
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
    left join published as own on own.table_code = catalogue.table_code
    left join published as num_pub on num_pub.table_code = numerator.table_code
    left join published as den_pub on den_pub.table_code = denominator.table_code
    left join status on status.indicator_id = catalogue.indicator_id
    left join coverage on coverage.indicator_id = catalogue.indicator_id

)

select * from final
order by handlungsfeld_position, position
