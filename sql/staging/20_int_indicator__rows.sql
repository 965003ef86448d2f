-- The rows of the IT.NRW tables that each base indicator of the catalogue selects.
-- Age rows carry their bounds [age_lower, age_upper) parsed from the classification label
-- ("unter 3 Jahre", "3 bis unter 6 Jahre", "65 Jahre", "90 Jahre und mehr"), and the upper
-- bound of the previous age row, so that gaps and overlaps can be found. A classification part
-- may carry its name ("Altersjahre (unter 1 bis 90 Jahre und mehr): 5 bis unter 6 Jahre"): the
-- age is read from the value after the name only.
with catalogue as (

    select * from raw.indicator_catalogue
    where kind = 'base'

),

values as (

    select
        *,
        regexp_extract(
            regexp_replace(coalesce(classification, ''), '[^|]*: ', '', 'g'),
            '((unter )?\d+( bis unter \d+)? Jahre?( und (mehr|älter))?)', 1
        ) as age_text
    from staging.stg_itnrw__values
    where ags is not null

),

aged as (

    select
        *,
        case
            when age_text = '' then null
            when age_text like 'unter %' then 0
            else regexp_extract(age_text, '^(\d+)', 1)::integer
        end as age_lower,
        case
            when age_text = '' then null
            when age_text like '% und mehr' or age_text like '% und älter' then null
            when age_text like '%unter %' then regexp_extract(age_text, 'unter (\d+)', 1)::integer
            else regexp_extract(age_text, '^(\d+)', 1)::integer + 1
        end as age_upper,
        -- every classification apart from the age must be "Insgesamt"
        classification is null or list_bool_and(list_transform(
            string_split(classification, ' | '),
            part -> part ilike '%insgesamt' or regexp_matches(part, '\d+ Jahre?')
        )) as others_total,
        classification is null or list_bool_and(list_transform(
            string_split(classification, ' | '), part -> part ilike '%insgesamt'
        )) as all_total
    from values

),

matched as (

    select
        catalogue.indicator_id,
        catalogue.age_from,
        catalogue.age_to,
        catalogue.series_break_rule,
        aged.*
    from catalogue
    inner join aged
        on aged.table_code = catalogue.table_code
        and aged.variable ilike catalogue.variable_like
    where
        case
            when catalogue.classification_like is not null
                then coalesce(aged.classification, '') ilike catalogue.classification_like
            when catalogue.age_from is not null
                then aged.age_lower is not null and aged.others_total
                    -- age rows reaching into [age_from, age_to)
                    and (aged.age_upper is null or aged.age_upper > catalogue.age_from)
                    and (catalogue.age_to is null or aged.age_lower < catalogue.age_to)
            else aged.all_total
        end

),

final as (

    select
        *,
        age_from is not null and (
            age_lower < age_from or (age_to is not null and (age_upper is null or age_upper > age_to))
        ) as straddles_bound,
        lag(age_upper) over (
            partition by indicator_id, ags, period order by age_lower, age_upper nulls last
        ) as previous_upper,
        lag(age_lower) over (
            partition by indicator_id, ags, period order by age_lower, age_upper nulls last
        ) as previous_lower
    from matched

)

select * from final
