-- Progress of every KPI of the project register against its target, in the manner of Open SDG:
-- the latest measurement is compared with the straight path from baseline to target.
--   erreicht        the target value is reached (or passed in the desired direction)
--   auf_kurs        at least 95 % of the progress the path expects by the latest measurement
--   zu_langsam      progress, or none, but less than 95 % of the expected
--   entfernt_sich   worse than the baseline
--   keine_daten     no measurement yet, or no baseline/target to judge against
with kpis as (

    select * from raw.register_kpis

),

measurements as (

    select * from raw.register_measurements

),

fields as (

    select * from raw.register_fields

),

measures as (

    select * from raw.register_measures

),

latest as (

    select
        kpi,
        count(*) as measurement_count,
        max(date) as latest_date,
        arg_max(value, date) as latest_value
    from measurements
    group by kpi

),

previous as (

    select kpi, date as previous_date, value as previous_value
    from measurements
    qualify row_number() over (partition by kpi order by date desc) = 2

),

joined as (

    select
        kpis.*,
        latest.measurement_count,
        latest.latest_date,
        latest.latest_value,
        previous.previous_date,
        previous.previous_value,
        case kpis.direction when 'sinken' then -1 else 1 end as sign,
        -- time of the latest measurement as a fractional year, to place it on the path
        year(latest.latest_date) + (dayofyear(latest.latest_date) - 1) / 365.25 as measured_year
    from kpis
    left join latest on latest.kpi = kpis.id
    left join previous on previous.kpi = kpis.id

),

expected as (

    select
        *,
        case
            when baseline_value is not null and target_value is not null and target_year > baseline_year
                then baseline_value + (target_value - baseline_value)
                    * least(greatest((measured_year - baseline_year) / (target_year - baseline_year), 0), 1)
        end as expected_value
    from joined

),

judged as (

    select
        *,
        case
            when latest_value is null then 'keine_daten'
            when target_value is not null and sign * (latest_value - target_value) >= 0 then 'erreicht'
            when baseline_value is null or expected_value is null then 'keine_daten'
            when sign * (latest_value - baseline_value) < 0 then 'entfernt_sich'
            when expected_value = baseline_value then 'auf_kurs'
            when (latest_value - baseline_value) / (expected_value - baseline_value) >= 0.95 then 'auf_kurs'
            else 'zu_langsam'
        end as status,
        case
            when latest_value is not null and expected_value is not null and expected_value <> baseline_value
                then (latest_value - baseline_value) / (expected_value - baseline_value)
        end as progress_ratio
    from expected

),

final as (

    select
        judged.id as kpi_id,
        judged.title,
        judged.measure as measure_id,
        measures.title as measure_title,
        judged.field as handlungsfeld_id,
        fields.name as handlungsfeld,
        coalesce(fields.position, 999) as handlungsfeld_position,
        judged.unit,
        judged.direction,
        judged.baseline_value,
        judged.baseline_year,
        judged.target_value,
        judged.target_year,
        judged.measurement_count,
        judged.latest_date,
        judged.latest_value,
        judged.previous_date,
        judged.previous_value,
        judged.expected_value,
        judged.progress_ratio,
        judged.status,
        case judged.status
            when 'erreicht' then 'Ziel erreicht'
            when 'auf_kurs' then 'auf Kurs'
            when 'zu_langsam' then 'zu langsam'
            when 'entfernt_sich' then 'entfernt sich vom Ziel'
            else 'keine Daten'
        end as status_label,
        judged.source
    from judged
    left join fields on fields.id = judged.field
    left join measures on measures.id = judged.measure

)

select * from final
order by handlungsfeld_position, kpi_id
