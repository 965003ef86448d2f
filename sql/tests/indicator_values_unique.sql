-- One value per indicator, region and period.
select indicator_id, ags, period, count(*) as n
from marts.indicator_values
group by all
having count(*) > 1
