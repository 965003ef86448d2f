-- One value per table, period, region, classification and variable. Scoped to the table: a
-- table whose rows collide is quarantined, the rest of the build goes in.
select
    'itnrw' as source,
    table_code as item,
    period,
    ags,
    region_name,
    classification,
    variable,
    count(*) as n
from staging.stg_itnrw__values
where not is_gemeinde_copy
group by all
having count(*) > 1
