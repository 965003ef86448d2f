-- One value per table, period, region, classification and variable.
select table_code, period, ags, region_name, classification, variable, count(*) as n
from staging.stg_itnrw__values
group by all
having count(*) > 1
