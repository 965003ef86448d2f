-- Whether each indicator of the catalogue has usable values, and if not, why, in German.
-- An indicator with any ambiguous value is left out as a whole: better no figure than a wrong one.
with catalogue as (

    select * from raw.indicator_catalogue

),

loaded_tables as (

    select
        table_code,
        coalesce(
            string_agg(distinct variable, ' · ' order by variable) filter (where trim(variable) <> ''), '(keine)'
        ) as variables,
        string_agg(distinct classification, ' · ' order by classification)
            filter (where trim(classification) <> '') as classifications
    from staging.stg_itnrw__values
    group by table_code

),

base_summary as (

    select
        indicator_id,
        count(*) filter (where value is not null) as n_values,
        count(*) filter (where problem is not null) as n_problems,
        arg_min(problem || ' (' || coalesce(region_name, ags) || ', ' || strftime(period, '%d.%m.%Y') || ')', ags)
            filter (where problem is not null) as first_problem
    from staging.int_indicator__base
    group by indicator_id

),

derived_summary as (

    select indicator_id, count(*) as n_values
    from staging.int_indicator__derived
    group by indicator_id

),

base_status as (

    select
        catalogue.indicator_id,
        case
            when loaded_tables.table_code is null then 'tabelle_fehlt'
            when coalesce(base_summary.n_problems, 0) > 0 then 'mehrdeutig'
            when coalesce(base_summary.n_values, 0) = 0 then 'keine_werte'
            else 'ok'
        end as status,
        case
            when loaded_tables.table_code is null
                then 'Tabelle ' || catalogue.table_code || ' ist nicht geladen.'
            when coalesce(base_summary.n_problems, 0) > 0
                then 'Tabelle ' || catalogue.table_code || ': ' || base_summary.first_problem
                    || '. Filter im Indikatorkatalog schärfen.'
            when coalesce(base_summary.n_values, 0) = 0
                then 'Tabelle ' || catalogue.table_code || ' hat keine Werte zu „' || catalogue.variable_like
                    || '“. Vorhandene Wertespalten: ' || loaded_tables.variables
                    || coalesce('; Gliederungen: ' || left(loaded_tables.classifications, 600), '') || '.'
        end as status_message
    from catalogue
    left join loaded_tables using (table_code)
    left join base_summary using (indicator_id)
    where catalogue.kind = 'base'

),

derived_status as (

    select
        catalogue.indicator_id,
        case
            when numerator.status = 'ok' and denominator.status = 'ok'
                and coalesce(derived_summary.n_values, 0) > 0 then 'ok'
            else 'grundwerte_fehlen'
        end as status,
        case
            when numerator.status <> 'ok' or denominator.status <> 'ok'
                then 'Abgeleitet aus „' || catalogue.numerator_id || '“ und „' || catalogue.denominator_id
                    || '“; ' || coalesce(nullif(numerator.status_message, ''), denominator.status_message)
            when coalesce(derived_summary.n_values, 0) = 0
                then 'Zähler „' || catalogue.numerator_id || '“ und Nenner „' || catalogue.denominator_id
                    || '“ haben kein gemeinsames Jahr.'
        end as status_message
    from catalogue
    left join base_status as numerator on numerator.indicator_id = catalogue.numerator_id
    left join base_status as denominator on denominator.indicator_id = catalogue.denominator_id
    left join derived_summary on derived_summary.indicator_id = catalogue.indicator_id
    where catalogue.kind = 'derived'

),

final as (

    select * from base_status
    union all
    select * from derived_status

)

select * from final
