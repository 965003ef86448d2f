-- Each region appears once.
select ags, count(*) as n
from marts.regions
group by ags
having count(*) > 1
