-- Derived indicators: numerator / denominator × factor, matched on region and year (the
-- denominator's latest period within the numerator's year). A derived value inherits the
-- series break of either part.
with catalogue as (

    select * from raw.indicator_catalogue
    where kind = 'derived'

),

base as (

    select * from staging.int_indicator__base
    where problem is null and value is not null

),

denominators as (

    select *, year(period) as year from base
    qualify period = max(period) over (partition by indicator_id, ags, year(period))

),

final as (

    select
        catalogue.indicator_id,
        numerator.ags,
        numerator.period,
        case
            when numerator.table_code = denominator.table_code then numerator.table_code
            else numerator.table_code || ', ' || denominator.table_code
        end as table_code,
        numerator.value / denominator.value * catalogue.factor as value,
        greatest(numerator.data_stand, denominator.data_stand) as data_stand,
        coalesce(numerator.series_break, denominator.series_break) as series_break
    from catalogue
    inner join base as numerator
        on numerator.indicator_id = catalogue.numerator_id
    inner join denominators as denominator
        on denominator.indicator_id = catalogue.denominator_id
        and denominator.ags = numerator.ags
        and denominator.year = year(numerator.period)
    where denominator.value <> 0

)

select * from final
